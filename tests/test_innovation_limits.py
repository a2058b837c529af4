"""数字科创 never stores part of what a person wrote: an over-long text is refused on the page with a Chinese
message naming the field and its limit (the form comes first), the services refuse it too (they are called by
other pages, the seed and tasks), and nothing changes. One family per block: needs, dispatches, introductions,
market, stations, challenges."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kexie.core.models import AuditEntry
from kexie.innovation.challenges import services as challenges
from kexie.innovation.introductions import services as intro
from kexie.innovation.market import services as market
from kexie.innovation.models import (
    Achievement,
    AchievementStatus,
    Challenge,
    ChallengeApplication,
    ChallengeStatus,
    Dispatch,
    DispatchStatus,
    Enquiry,
    Enterprise,
    Introduction,
    IntroStatus,
    Need,
    NeedStatus,
    Station,
    StationStatus,
    VerifyStatus,
)
from kexie.innovation.needs import dispatches, enterprises, services
from kexie.innovation.stations import services as stations
from tests.conftest import login
from tests.test_innovation import client_for, company, published, society_with_staff
from tests.test_innovation_challenges import open_challenge, scientists
from tests.test_innovation_intro import expert
from tests.test_innovation_market import achievement, listing  # noqa: F401  (listing: a fixture)
from tests.test_innovation_stations import make

pytestmark = pytest.mark.django_db


def shown(resp) -> str:
    """The page after the redirect, with its messages."""
    assert resp.status_code in (200, 400), resp.status_code
    return resp.content.decode()


def refused_on_page(html: str, label: str, limit: int) -> None:
    """The form's own message: the field's label, the limit and the length typed (Django's Chinese text)."""
    assert f"{label}：" in html and str(limit) in html and str(limit + 1) in html, html[:2000]


# ---- needs -------------------------------------------------------------------------------------------
def test_need_review_reason_over_the_limit_is_refused_and_the_need_stays(province):
    ent, user = company(province)
    need = services.create_need(user, title="齿轮降噪", description="减速机噪声偏高", industry="34", kind="research")
    services.submit_need(user, need)
    staff = login("demo-province")
    html = shown(staff.post(reverse("innovation:need-act", args=[need.pk]), {"action": "return", "reason": "改" * 2001},
                            follow=True))
    refused_on_page(html, "意见", 2000)
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED and need.status_reason == ""
    # the service refuses it as well, naming the field, and keeps nothing of it
    with pytest.raises(ValidationError) as exc:
        services.review_need(province["users"]["demo-province"], need, "return", "改" * 2001)
    assert exc.value.messages == ["审核意见不能超过 2000 个字。"]
    with pytest.raises(ValidationError) as exc:
        services.close(user, need, "关" * 2001)
    assert exc.value.messages == ["关闭理由不能超过 2000 个字。"]
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED and need.status_reason == "" and need.closed_at is None
    # at the limit it is kept whole
    services.review_need(province["users"]["demo-province"], need, "return", "改" * 2000)
    assert Need.objects.get(pk=need.pk).status_reason == "改" * 2000


def test_need_outcome_over_the_limit_is_refused(province):
    need, user = published(province)
    Need.objects.filter(pk=need.pk).update(status=NeedStatus.MATCHED)  # served: the enterprise may close it
    html = shown(client_for(user).post(reverse("innovation:need-act", args=[need.pk]), {"action": "solve", "outcome": "解" * 4001},
                                       follow=True))
    refused_on_page(html, "解决情况", 4000)
    with pytest.raises(ValidationError) as exc:
        services.solve(user, need, "解" * 4001)
    assert exc.value.messages == ["解决情况不能超过 4000 个字。"]
    need.refresh_from_db()
    assert need.status == NeedStatus.MATCHED and need.outcome == "" and need.closed_at is None


def test_enterprise_verification_opinion_over_the_limit(province):
    ent, _user = company(province, verified=False)
    html = shown(login("demo-province").post(reverse("innovation:enterprise", args=[ent.pk]),
                                             {"verdict": "reject", "reason": "否" * 501}, follow=True))
    refused_on_page(html, "核验意见", 500)
    with pytest.raises(ValidationError) as exc:
        enterprises.verify_enterprise(province["users"]["demo-province"], ent, "reject", "否" * 501)
    assert exc.value.messages == ["核验意见不能超过 500 个字。"]
    assert Enterprise.objects.get(pk=ent.pk).status == VerifyStatus.PENDING


# ---- dispatches --------------------------------------------------------------------------------------
def test_dispatch_answers_over_the_limit_are_refused(province):
    need, _user = published(province)
    staff = province["users"]["demo-province"]
    society, society_user = society_with_staff(province)
    with pytest.raises(ValidationError) as exc:
        dispatches.dispatch(staff, need, [society], note="派" * 2001)
    assert exc.value.messages == ["派单说明不能超过 2000 个字。"]
    assert not Dispatch.objects.filter(need=need).exists()
    [d] = dispatches.dispatch(staff, need, [society], note="请组织专家服务")
    html = shown(client_for(society_user).post(reverse("innovation:dispatch", args=[d.pk]),
                                               {"action": "decline", "reason": "忙" * 2001}, follow=True))
    refused_on_page(html, "婉拒理由", 2000)
    with pytest.raises(ValidationError) as exc:
        dispatches.respond(society_user, d, accept=False, reason="忙" * 2001)
    assert exc.value.messages == ["婉拒理由不能超过 2000 个字。"]
    d.refresh_from_db()
    assert d.status == DispatchStatus.WAITING and d.decline_reason == ""


# ---- introductions -----------------------------------------------------------------------------------
def test_introduction_note_over_the_limit_is_refused(province):
    _ent, company_user = company(province)
    req = intro.request(company_user, expert=expert(province), message="轴承寿命提升，需要摩擦学专家指导。")
    html = shown(login("demo-province").post(reverse("innovation:intro-act", args=[req.pk]),
                                             {"action": "broker", "note": "联" * 2001}, follow=True))
    refused_on_page(html, "引荐说明", 2000)
    with pytest.raises(ValidationError) as exc:
        intro.broker(province["users"]["demo-province"], req, "联" * 2001)
    assert exc.value.messages == ["引荐说明不能超过 2000 个字。"]
    with pytest.raises(ValidationError) as exc:
        intro.cancel(company_user, req, "取" * 2001)
    assert exc.value.messages == ["取消理由不能超过 2000 个字。"]
    req.refresh_from_db()
    assert req.status == IntroStatus.REQUESTED and req.staff_note == "" and req.decline_reason == ""
    assert Introduction.objects.filter(pk=req.pk, brokered_at__isnull=True).exists()


# ---- market ------------------------------------------------------------------------------------------
def test_enquiry_over_the_limit_is_refused_on_the_public_page(client, listing):  # noqa: F811
    resp = client.post(reverse("innovation:market-need", args=[listing["open"].pk]),
                       {"name": "赵" * 41, "contact": "13900001111", "text": "意" * 2001})
    assert resp.status_code == 400
    html = resp.content.decode()
    refused_on_page(html, "意向说明", 2000)
    refused_on_page(html, "联系人", 40)
    assert not Enquiry.objects.filter(need=listing["open"]).exists()


def test_achievement_withdrawal_reason_over_the_limit(province):
    ach = achievement(province["city_a"], "高分子材料降噪涂层")
    html = shown(login("demo-city-a").post(reverse("innovation:achievement-act", args=[ach.pk]),
                                           {"action": "withdraw", "reason": "撤" * 501}, follow=True))
    refused_on_page(html, "下架理由", 500)
    with pytest.raises(ValidationError) as exc:
        market.withdraw_achievement(province["users"]["demo-city-a"], ach, "撤" * 501)
    assert exc.value.messages == ["下架理由不能超过 500 个字。"]
    assert Achievement.objects.get(pk=ach.pk).status == AchievementStatus.PUBLISHED
    assert not AuditEntry.objects.filter(action="innovation.achievement.withdrawn", object_id=ach.pk).exists()


# ---- stations ----------------------------------------------------------------------------------------
def test_station_texts_over_the_limit_are_refused(province):
    s = make(province)
    client = login("demo-city-a")
    html = shown(client.post(reverse("innovation:station-act", args=[s.pk]), {"action": "revoke", "reason": "撤" * 2001},
                             follow=True))
    refused_on_page(html, "撤销理由", 2000)
    with pytest.raises(ValidationError) as exc:
        stations.revoke_station(province["users"]["demo-city-a"], s, "撤" * 2001)
    assert exc.value.messages == ["撤销理由不能超过 2000 个字。"]
    assert Station.objects.get(pk=s.pk).status == StationStatus.ACTIVE
    html = shown(client.post(reverse("innovation:station-edit", args=[s.pk]), {
        "kind": s.kind, "name": "站" * 121, "host_name": s.host_name, "agreement_start": "2024-01-01",
        "agreement_end": "2030-12-31"}, follow=True))
    refused_on_page(html, "名称", 120)
    with pytest.raises(ValidationError) as exc:
        stations.edit_station(province["users"]["demo-city-a"], s, name="站" * 121)
    assert exc.value.messages == ["名称不能超过 120 个字。"]
    assert Station.objects.get(pk=s.pk).name == "齿轮传动院士工作站"


# ---- challenges --------------------------------------------------------------------------------------
def test_challenge_texts_over_the_limit_are_refused(province):
    ch = open_challenge(province)
    html = shown(login("demo-city-a").post(reverse("innovation:challenge-act", args=[ch.pk]),
                                           {"action": "cancel", "reason": "撤" * 2001}, follow=True))
    refused_on_page(html, "理由", 2000)
    with pytest.raises(ValidationError) as exc:
        challenges.cancel(province["users"]["demo-city-a"], ch, "撤" * 2001)
    assert exc.value.messages == ["撤榜理由不能超过 2000 个字。"]
    ch.refresh_from_db()
    assert ch.status == ChallengeStatus.OPEN and ch.status_reason == ""
    # a team member's name is refused whole, not cut to 40 characters
    [u1] = scientists(1)
    long_name = "欧阳" + "长" * 40
    with pytest.raises(ValidationError) as exc:
        challenges.apply(u1, ch, unit="省冶金研究院", proposal="真空脱气", team=f"张三，{long_name}")
    assert exc.value.messages == [f"团队成员姓名“{long_name[:40]}…”超过 40 个字。"]
    assert not ChallengeApplication.objects.filter(challenge=ch).exists()
    assert Challenge.objects.get(pk=ch.pk).status == ChallengeStatus.OPEN
