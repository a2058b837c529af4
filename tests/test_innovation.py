"""数字科创: enterprise registration and verification, the need's status flow with review, dispatch to societies
(点菜) with answers, SLA escalation, completion, the enterprise's rating and the service records, confidentiality
of contacts, scope, and matching feedback."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kexie.accounts.models import User
from kexie.innovation.models import (
    Dispatch,
    DispatchStatus,
    Enterprise,
    MatchFeedback,
    Need,
    NeedEvent,
    NeedStatus,
    ServiceRecord,
    VerifyStatus,
)
from kexie.innovation.needs import dispatches, enterprises, services
from kexie.notices.models import Notification
from kexie.orgs.models import Organisation
from kexie.people.models import Person

_seq = itertools.count(1)
# Valid unified social credit codes (GB 32100 check characters).
USCC = ["91350100M000100Y43", "91110000802100433B", "91320000134762590B"]


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def company(province, *, verified=True, uscc=None) -> tuple[Enterprise, User]:
    user = User.objects.create(username=f"company-{next(_seq)}")
    ent = enterprises.register_enterprise(user, name="江淮精工齿轮有限公司", uscc=uscc or USCC[0], contact_name="王经理",
                                          contact_phone="13912345678", industry="34")
    if verified:
        enterprises.verify_enterprise(province["users"]["demo-province"], ent, "verify")
    return Enterprise.objects.get(pk=ent.pk), user


def society_with_staff(province) -> tuple[Organisation, User]:
    user = province["users"]["demo-society"]
    org = Organisation.objects.get(pk=user.assignments.get().organisation_id)
    return org, user


def published(province) -> tuple[Need, User]:
    ent, user = company(province)
    need = services.create_need(user, title="高精度齿轮传动噪声控制", description="减速机齿轮啮合噪声偏高，需要降噪方案。",
                                industry="34", kind="research", budget="50")
    services.submit_need(user, need)
    services.review_need(province["users"]["demo-province"], need, "approve")
    return Need.objects.get(pk=need.pk), user


# ---- enterprises --------------------------------------------------------------------------------
def test_registration_checks_the_credit_code_and_waits_for_verification(province):
    user = User.objects.create(username="company-x")
    before = Enterprise.objects.count()
    with pytest.raises(ValidationError) as exc:
        enterprises.register_enterprise(user, name="", uscc="91350100M000100Y44", contact_name="", contact_phone="123")
    msgs = exc.value.messages
    assert "请填写企业名称。" in msgs and "请填写联系人。" in msgs and len(msgs) >= 4
    assert Enterprise.objects.count() == before
    ent = enterprises.register_enterprise(user, name="某公司", uscc=USCC[1], contact_name="李", contact_phone="13912345678")
    assert ent.status == VerifyStatus.PENDING and ent.host.depth == 1  # no region: the province association
    with pytest.raises(ValidationError) as exc:
        enterprises.register_enterprise(user, name="重复", uscc=USCC[1], contact_name="李", contact_phone="13912345678")
    assert exc.value.messages == ["该统一社会信用代码已注册，请联系本企业的管理员添加账号。"]
    with pytest.raises(PermissionDenied):  # not verified yet
        services.create_need(user, title="x", description="y", industry="34", kind="research")
    with pytest.raises(PermissionDenied):
        enterprises.verify_enterprise(province["users"]["demo-city-a"], ent, "verify")
    with pytest.raises(ValidationError) as exc:
        enterprises.verify_enterprise(province["users"]["demo-province"], ent, "reject", "")
    assert exc.value.messages == ["不通过核验须说明理由。"]
    enterprises.verify_enterprise(province["users"]["demo-province"], ent, "verify")
    assert enterprises.enterprise_of(user) == ent
    assert Enterprise.objects.get(pk=ent.pk).contact_phone_masked == "139******78"


# ---- needs --------------------------------------------------------------------------------------
def test_need_flow_review_before_publication(province):
    ent, user = company(province)
    staff = province["users"]["demo-province"]
    need = services.create_need(user, title="齿轮降噪", description="", industry="", kind="research")  # draft
    with pytest.raises(ValidationError) as exc:
        services.submit_need(user, need)
    assert "请填写需求描述。" in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        services.edit_need(user, need, industry="99", budget="-1", deadline="2020-13-01")
    assert exc.value.messages == ["行业代码“99”不是国民经济行业分类的大类代码。", "预算应为非负数（万元）。",
                                  "期望解决时间的格式应为 YYYY-MM-DD。"]
    services.edit_need(user, need, description="减速机噪声偏高", industry="34", budget="30")
    services.submit_need(user, need)
    with pytest.raises(ValidationError):
        services.edit_need(user, need, title="改名")  # submitted: no edits
    with pytest.raises(PermissionDenied):
        services.review_need(province["users"]["demo-city-a"], need, "approve")
    with pytest.raises(ValidationError) as exc:
        services.review_need(staff, need, "return")
    assert exc.value.messages == ["退回或不予发布须说明理由。"]
    services.review_need(staff, need, "return", "请补充技术指标。")
    services.edit_need(user, need, description="减速机噪声 85 dB，目标 75 dB 以下")
    services.submit_need(user, need)
    services.review_need(staff, need, "approve")
    need.refresh_from_db()
    assert need.status == NeedStatus.PUBLISHED and need.published_at is not None
    actions = list(NeedEvent.objects.filter(need=need).values_list("action", flat=True))
    assert actions == ["created", "submitted", "review_return", "submitted", "review_approve"]
    assert Notification.objects.filter(user=user, title__startswith=f"需求「{need.title}」审核结果").count() == 2


def test_dispatch_answer_complete_rate_and_service_records(province):
    need, company_user = published(province)
    staff = province["users"]["demo-province"]
    society, society_user = society_with_staff(province)
    with pytest.raises(ValidationError) as exc:
        dispatches.dispatch(staff, need, [province["city_a"]])
    assert exc.value.messages == [f"“{province['city_a'].name}”不是学会，不能派单。"]
    [d] = dispatches.dispatch(staff, need, [society], respond_days=5, note="请组织专家服务")
    assert Need.objects.get(pk=need.pk).status == NeedStatus.MATCHING
    with pytest.raises(ValidationError) as exc:
        dispatches.dispatch(staff, need, [society])
    assert exc.value.messages == [f"已向“{society.name}”派过单。"]
    assert Notification.objects.filter(user=society_user, key=f"innovation-dispatch-{d.pk}").exists()
    with pytest.raises(PermissionDenied):
        dispatches.respond(province["users"]["demo-city-a"], d, accept=False, reason="忙")
    with pytest.raises(ValidationError) as exc:
        dispatches.respond(society_user, d, accept=True, plan="")
    assert exc.value.messages == ["请指定服务团队负责人。", "请填写服务方案。"]
    experts = list(Person.objects.filter(memberships__society=society).order_by("pk")[:3])
    dispatches.respond(society_user, d, accept=True, leader=experts[0], team=experts, plan="组织传动专家入企诊断")
    assert Need.objects.get(pk=need.pk).status == NeedStatus.MATCHED
    with pytest.raises(ValidationError):
        dispatches.rate(company_user, d, 5)  # not done yet
    dispatches.complete(society_user, d, "优化齿形修形，噪声降至 74 dB")
    with pytest.raises(PermissionDenied):
        dispatches.rate(staff, d, 5)  # the enterprise rates its own service
    with pytest.raises(ValidationError) as exc:
        dispatches.rate(company_user, d, 6)
    assert exc.value.messages == ["评价应为 1 到 5 星。"]
    dispatches.rate(company_user, d, 5, "专家团队专业高效")
    with pytest.raises(ValidationError):
        dispatches.rate(company_user, d, 4)
    records = ServiceRecord.objects.filter(dispatch=d)
    assert records.count() == len(experts) and {r.rating for r in records} == {5}
    assert {r.expert_id for r in records} == {p.pk for p in experts}
    assert all(r.society_id == society.pk and r.enterprise_name == "江淮精工齿轮有限公司" for r in records)
    services.solve(company_user, need, "问题已解决，产品通过客户验收")
    assert Need.objects.get(pk=need.pk).status == NeedStatus.SOLVED


def test_all_declines_return_the_need_to_the_pool(province):
    need, _user = published(province)
    society, society_user = society_with_staff(province)
    [d] = dispatches.dispatch(province["users"]["demo-province"], need, [society])
    with pytest.raises(ValidationError) as exc:
        dispatches.respond(society_user, d, accept=False, reason=" ")
    assert exc.value.messages == ["婉拒须说明理由。"]
    dispatches.respond(society_user, d, accept=False, reason="本学会暂无该方向专家")
    assert Need.objects.get(pk=need.pk).status == NeedStatus.PUBLISHED
    assert Dispatch.objects.get(pk=d.pk).status == DispatchStatus.DECLINED


def test_overdue_dispatches_escalate_once_per_level(province):
    need, _user = published(province)
    society, society_user = society_with_staff(province)
    a = province["city_a"]
    Need.objects.filter(pk=need.pk).update(owner=a, org_path=a.path)  # received by city A: its parent is told
    # a provincial society: city A asks, the province agrees (decision 0043); the city stays the dispatcher
    req = dispatches.request_dispatch(province["users"]["demo-city-a"], Need.objects.get(pk=need.pk), [society],
                                      respond_days=3)
    dispatches.decide_request(province["users"]["demo-province"], req, approve=True)
    d = Dispatch.objects.get(need=need)
    now = timezone.now()
    assert dispatches.escalate_overdue(now) == {"reminded": 0, "escalated": 0}
    late = d.respond_by + dt.timedelta(hours=1)
    assert dispatches.escalate_overdue(late) == {"reminded": 1, "escalated": 0}
    assert dispatches.escalate_overdue(late) == {"reminded": 0, "escalated": 0}
    assert Notification.objects.filter(user=society_user, key=f"innovation-overdue-{d.pk}-1").exists()
    assert dispatches.escalate_overdue(d.respond_by + dt.timedelta(days=3)) == {"reminded": 0, "escalated": 1}
    assert Dispatch.objects.get(pk=d.pk).escalation == 2
    province_staff = province["users"]["demo-province"]
    assert Notification.objects.filter(user=province_staff, key=f"innovation-overdue-{d.pk}-2").exists()
    assert not Notification.objects.filter(user=province_staff, key=f"innovation-overdue-{d.pk}-1").exists()
    dispatches.respond(society_user, Dispatch.objects.get(pk=d.pk), accept=False, reason="人手不足")
    assert dispatches.escalate_overdue(d.respond_by + dt.timedelta(days=9)) == {"reminded": 0, "escalated": 0}


def test_pages_scope_and_contact_masking(province):
    need, company_user = published(province)
    society, society_user = society_with_staff(province)
    staff = client_for(province["users"]["demo-province"])
    page = staff.get(f"/innovation/{need.pk}/").content.decode()
    assert need.title in page and "派单" in page
    assert staff.post(f"/innovation/{need.pk}/act/", {"action": "dispatch", "societies": [society.pk],
                                                      "days": "5"}).status_code == 302
    d = Dispatch.objects.get(need=need)
    # the society sees the dispatch and the need; city A sees neither; the enterprise sees its need
    assert client_for(society_user).get(f"/innovation/dispatches/{d.pk}/").status_code == 200
    assert client_for(society_user).get(f"/innovation/{need.pk}/").status_code == 200
    city_a = client_for(province["users"]["demo-city-a"])
    assert city_a.get(f"/innovation/{need.pk}/").status_code == 404
    assert need.title not in city_a.get("/innovation/").content.decode()
    mine = client_for(company_user)
    assert need.title in mine.get("/innovation/").content.decode()
    ent_page = mine.get(f"/innovation/enterprises/{need.enterprise_id}/").content.decode()
    assert "139******78" in ent_page and "13912345678" not in ent_page
    # bad input on the page: unknown action changes nothing
    assert staff.post(f"/innovation/{need.pk}/act/", {"action": "explode"}).status_code == 302
    assert Need.objects.get(pk=need.pk).status == NeedStatus.MATCHING


def test_feedback_marks_once_per_user(province):
    need, company_user = published(province)
    staff = province["users"]["demo-province"]
    person = Person.objects.filter(deleted_at__isnull=True).first()
    services.mark(staff, need, person, True, 1)
    services.mark(staff, need, person, False, 1)
    assert MatchFeedback.objects.get(need=need, person=person).useful is False
    outsider = User.objects.create(username="outsider-fb")
    with pytest.raises(PermissionDenied):
        services.mark(outsider, need, person, True)


def test_feedback_marks_only_experts_offered_or_serving_the_need(province):
    """Marks steer the matcher for everyone: a user may mark the experts the matcher offers them (people in their
    scope) or those who served the need — not any person of the province by id."""
    need, company_user = published(province)
    society, society_user = society_with_staff(province)
    stranger = Person.objects.filter(deleted_at__isnull=True).exclude(
        pk__in=Person.objects.for_user(province["users"]["demo-city-a"])).order_by("pk").first()
    with pytest.raises(PermissionDenied) as exc:
        services.mark(company_user, need, stranger, False, 1)
    assert str(exc.value) == "只能评价为本需求匹配或服务过的专家。"
    resp = client_for(company_user).post(f"/innovation/{need.pk}/feedback/", {"person": stranger.pk, "useful": "0"},
                                         follow=True)
    assert "只能评价为本需求匹配或服务过的专家。" in resp.content.decode()
    assert not MatchFeedback.objects.filter(need=need).exists()
    # city A's staff: a city-A need, and a person outside city A
    a_need = services.create_need(province["users"]["demo-city-a"], owner=province["city_a"], title="A市需求",
                                  description="说明", industry="34", kind="research")
    with pytest.raises(PermissionDenied):
        services.mark(province["users"]["demo-city-a"], a_need, stranger, True)
    # the expert who served the need may be marked by its enterprise
    [d] = dispatches.dispatch(province["users"]["demo-province"], need, [society])
    leader = Person.objects.for_user(society_user).filter(deleted_at__isnull=True).order_by("pk").first()
    dispatches.respond(society_user, d, accept=True, leader=leader, team=[leader], plan="现场诊断")
    services.mark(company_user, need, leader, True, 1)
    assert MatchFeedback.objects.filter(need=need, person=leader, by=company_user, useful=True).exists()


def test_feedback_with_a_malformed_person_is_a_chinese_404(province):
    need, _user = published(province)
    staff = client_for(province["users"]["demo-province"])
    for bad in ("abc", "", "-1", "1" + "0" * 30, "9" * 5000):
        resp = staff.post(f"/innovation/{need.pk}/feedback/", {"person": bad, "useful": "1", "rank": "9" * 5000})
        assert resp.status_code == 404 and "没有这位专家。" in resp.content.decode(), bad
    resp = staff.post(f"/innovation/{need.pk}/feedback/", {"person": "1\x00", "useful": "1"})
    assert resp.status_code == 400 and "含有空字符（NUL）" in resp.content.decode()
    assert not MatchFeedback.objects.filter(need=need).exists()


def test_api_needs_and_service_records_are_scoped(province):
    need, company_user = published(province)
    staff = client_for(province["users"]["demo-province"])
    body = staff.get("/api/v1/needs/?status=published").json()
    assert need.pk in {r["id"] for r in body["results"]}
    row = next(r for r in body["results"] if r["id"] == need.pk)
    assert "contact_phone" not in row and row["enterprise_name"] == "江淮精工齿轮有限公司"
    assert [r["id"] for r in client_for(company_user).get("/api/v1/needs/").json()["results"]] == [need.pk]
    city_a = client_for(province["users"]["demo-city-a"])
    assert need.pk not in {r["id"] for r in city_a.get("/api/v1/needs/?page_size=500").json()["results"]}
    assert city_a.get(f"/api/v1/needs/{need.pk}/").status_code == 404
    society, society_user = society_with_staff(province)
    [d] = dispatches.dispatch(province["users"]["demo-province"], need, [society])
    assert client_for(society_user).get(f"/api/v1/needs/{need.pk}/").status_code == 200
    dispatches.respond(society_user, d, accept=True, leader=Person.objects.filter(memberships__society=society).first(),
                       plan="入企诊断")
    dispatches.complete(society_user, d, "完成")
    dispatches.rate(company_user, d, 4)
    records = client_for(society_user).get(f"/api/v1/service-records/?year={timezone.localdate().year}").json()
    mine = [r for r in records["results"] if r["need"] == need.pk]
    assert len(mine) == 1 and mine[0]["rating"] == 4
    seen_a = {r["id"] for r in city_a.get("/api/v1/service-records/?page_size=500").json()["results"]}
    assert seen_a == set(ServiceRecord.objects.for_user(province["users"]["demo-city-a"]).values_list("pk", flat=True))
    assert not seen_a & set(ServiceRecord.objects.filter(need=need).values_list("pk", flat=True))


def test_workstation_figures_prefill_reports_through_the_registry(province):
    from kexie.innovation.models import Station, StationYear
    from kexie.reports import registry

    a, b = province["city_a"], province["city_b"]
    last = timezone.localdate().year - 1
    before = registry.values(["stations", "station_projects", "station_revenue"], [a, b])
    st = Station.objects.create(kind="academician", name="齿轮传动院士工作站", host_name="江淮精工齿轮有限公司", owner=a,
                                org_path=a.path, agreement_start=dt.date(last - 1, 1, 1),
                                agreement_end=dt.date(last + 2, 12, 31))
    StationYear.objects.create(station=st, year=last, projects=3, patents=2, trained=5, revenue=120, org_path=a.path)
    got = registry.values(["stations", "station_projects", "station_revenue"], [a, b])
    assert got[a.pk]["stations"] == before[a.pk]["stations"] + 1
    assert got[a.pk]["station_projects"] == before[a.pk]["station_projects"] + 3
    assert got[a.pk]["station_revenue"] == before[a.pk]["station_revenue"] + 120
    assert got[b.pk] == before[b.pk]


def test_a_confidential_need_reaches_its_service_team_and_no_other_expert(province):
    need, company_user = published(province)
    Need.objects.filter(pk=need.pk).update(confidentiality="matched")
    society, society_user = society_with_staff(province)
    [d] = dispatches.dispatch(province["users"]["demo-province"], need, [society])
    members = list(Person.objects.filter(memberships__society=society, user__isnull=True).order_by("pk")[:2])
    for i, p in enumerate(members):
        Person.objects.filter(pk=p.pk).update(user=User.objects.create(username=f"team-expert-{i}"))
    lead, other = (Person.objects.get(pk=p.pk) for p in members)
    assert client_for(lead.user).get(f"/innovation/{need.pk}/").status_code == 404  # not on the team yet
    dispatches.respond(society_user, d, accept=True, leader=lead, team=[lead], plan="入企诊断")
    assert client_for(lead.user).get(f"/innovation/{need.pk}/").status_code == 200
    assert client_for(other.user).get(f"/innovation/{need.pk}/").status_code == 404
    assert client_for(other.user).get(f"/innovation/market/needs/{need.pk}/").status_code == 404


def test_marks_on_matched_experts_move_them_in_later_rankings(province):
    """Staff mark the top expert of a need "无用": for the same kind of need the expert drops in the ranking."""
    import re

    from kexie.innovation import signals
    from kexie.innovation.matching import api

    ent, user = company(province)
    staff_user = province["users"]["demo-province"]
    person = Person.objects.filter(deleted_at__isnull=True).exclude(expertise=[]).order_by("pk").first()
    words = "、".join(person.expertise[:3])
    need = services.create_need(user, title=f"{words}技术难题", description=f"需要{words}方面的专家帮助解决生产问题。",
                                industry="34", kind="research")
    services.submit_need(user, need)
    services.review_need(staff_user, need, "approve")
    text = f"{need.title}\n{need.description}"
    before = [r.person_id for r in api.match_need(text, top=10, industry="34", feedback=signals.feedback())]
    assert before, "the matcher finds experts for the need"
    top = Person.objects.get(pk=before[0])
    page = client_for(staff_user).get(f"/innovation/{need.pk}/").content.decode()
    assert top.name in page and re.search(r"匹配：", page)
    assert client_for(staff_user).post(f"/innovation/{need.pk}/feedback/", {"person": top.pk, "useful": "0",
                                                                          "rank": "1"}).status_code == 302
    after = [r.person_id for r in api.match_need(text, top=10, industry="34", feedback=signals.feedback())]
    assert top.pk not in after[:1]
    assert (after.index(top.pk) if top.pk in after else 99) > 0


def test_an_expert_sees_needs_matching_their_expertise_and_an_achievement_its_needs(province):
    from kexie.innovation import recommend
    from kexie.innovation.models import Achievement

    need, _user = published(province)  # 高精度齿轮传动噪声控制 (public, published)
    expert = Person.objects.create(
        name="齿轮专家", org=province["city_a"], org_path=province["city_a"].path,
        expertise=["齿轮传动", "振动与噪声控制", "减速器设计"], user=User.objects.create(username="gear-expert"))
    titles = [n.title for n, _m in recommend.needs_for_person(expert, top=5)]
    assert need.title in titles[:3]
    page = client_for(expert.user).get("/innovation/").content.decode()
    assert "与您专长匹配的技术需求" in page and need.title in page
    ach = Achievement.objects.create(title="低噪声齿轮修形技术", description="通过齿廓修形降低齿轮传动噪声 5 dB 以上。",
                                     maturity="pilot", transfer_mode="licence", industry="34",
                                     owner=province["root"], org_path=province["root"].path, status="published")
    assert need.pk in [n.pk for n, _m in recommend.needs_for_achievement(ach)][:3]
    html = client_for(province["users"]["demo-province"]).get(f"/innovation/achievements/{ach.pk}/").content.decode()
    assert "匹配的技术需求" in html and need.title in html


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_needs_created_at_the_same_moment_get_different_codes(monkeypatch):
    """Two needs created at once read the same last code; the second takes the next number instead of failing."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises every write anyway")
    from tests.conftest import seed_tiny

    seed_tiny()
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    staff = users["demo-province"]
    root = staff.assignments.get().organisation
    barrier = threading.Barrier(2, timeout=30)
    first_read = threading.local()
    next_code = services._next_code

    def racing_next_code():
        code = next_code()
        if not getattr(first_read, "done", False):
            first_read.done = True
            barrier.wait()  # both have read the same last code before either saves
        return code

    monkeypatch.setattr(services, "_next_code", racing_next_code)
    codes: list[str] = []
    errors: list[str] = []

    def run(title):
        try:
            codes.append(services.create_need(staff, owner=root, title=title, description="说明", industry="34",
                                              kind="research").code)
        except Exception as exc:  # noqa: BLE001 — the failure is what the test reports
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(f"并发需求{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(codes)) == 2 and Need.objects.filter(code__in=codes).count() == 2


def test_views_read_their_input_through_forms():
    """Forms first (kexie issue 13): no page of 数字科创 reads ``request.POST`` by hand — only as a form's data."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "kexie" / "innovation"
    hand = [f"{path.relative_to(root)}:{n}" for path in sorted(root.rglob("*.py"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            for m in re.finditer(r"request\.POST", line) if not re.search(r"\w+Form\(\s*$", line[:m.start()])]
    assert hand == []
