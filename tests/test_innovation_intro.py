"""点厨 (专家引荐): request → broker → accept/decline → done with a rating and a service record; cancellation;
refusals with their Chinese messages; contacts hidden until the expert accepts, then shown and logged; scope."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kexie.accounts.models import User
from kexie.core.audit import history_for
from kexie.core.models import PiiAccess
from kexie.core.scope import prefix_q
from kexie.innovation.introductions import services as intro
from kexie.innovation.models import (
    Enterprise,
    Introduction,
    IntroStatus,
    MatchFeedback,
    ServiceRecord,
    ServiceSource,
)
from kexie.innovation.needs import enterprises, services
from kexie.notices.models import Notification
from kexie.people.models import Person

USCC = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"]
_seq = itertools.count(1)
EXPERT_PHONE = "13705551234"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def company(province, *, verified=True, uscc=USCC[0]) -> tuple[Enterprise, User]:
    user = User.objects.create(username=f"intro-company-{next(_seq)}")
    ent = enterprises.register_enterprise(user, name="闽江精密轴承有限公司", uscc=uscc, contact_name="林经理",
                                          contact_phone="13912345678", industry="34")
    if verified:
        enterprises.verify_enterprise(province["users"]["demo-province"], ent, "verify")
    return Enterprise.objects.get(pk=ent.pk), user


def expert(province, *, public=True, with_user=True, path=None) -> Person:
    qs = Person.objects.alive().filter(user__isnull=True)
    if path:
        qs = qs.filter(prefix_q("org_path", [path]))
    person = qs.order_by("pk").first()
    person.public_profile = public
    person.phone = EXPERT_PHONE
    person.email = "expert@example.org"
    if with_user:
        person.user = User.objects.create(username=f"intro-expert-{next(_seq)}")
    person.save()
    return person


def test_full_flow_contacts_revealed_only_after_acceptance_and_logged(province):
    staff = province["users"]["demo-province"]
    ent, company_user = company(province)
    person = expert(province)
    req = intro.request(company_user, expert=person, message="轴承寿命提升，需要摩擦学专家指导。")
    assert req.status == IntroStatus.REQUESTED and req.org_path == ent.org_path
    assert Notification.objects.filter(user=staff, key=f"innovation-intro-{req.pk}").exists()

    # Before acceptance: the company sees no phone, the expert cannot even open it, nothing is logged.
    mine = client_for(company_user)
    html = mine.get(f"/innovation/intro/{req.pk}/").content.decode()
    assert EXPERT_PHONE not in html and "专家同意对接后，双方可查看对方的联系方式。" in html
    assert client_for(person.user).get(f"/innovation/intro/{req.pk}/").status_code == 404
    with pytest.raises(PermissionDenied) as exc:
        intro.reveal_contacts(company_user, req)
    assert str(exc.value) == "专家同意对接后方可查看联系方式。"
    with pytest.raises(ValidationError) as exc:
        intro.answer(person.user, req, accept=True)
    assert exc.value.messages == ["工作人员联系您之后方可答复。"]

    # Staff broker: the expert is told and now sees the request; staff see masks only.
    with pytest.raises(ValidationError) as exc:
        intro.broker(staff, req, "")
    assert exc.value.messages == ["请填写引荐说明。"]
    with pytest.raises(PermissionDenied):
        intro.broker(province["users"]["demo-city-a"], req, "联系")
    intro.broker(staff, req, "已电话联系专家，请在平台答复。")
    assert Notification.objects.filter(user=person.user, key=f"innovation-intro-brokered-{req.pk}").exists()
    staff_html = client_for(staff).get(f"/innovation/intro/{req.pk}/").content.decode()
    assert EXPERT_PHONE not in staff_html and "137******34" in staff_html
    expert_html = client_for(person.user).get(f"/innovation/intro/{req.pk}/").content.decode()
    assert "13912345678" not in expert_html and "同意对接" in expert_html
    assert not PiiAccess.objects.exists()

    # Only the expert answers; staff cannot answer for them.
    with pytest.raises(PermissionDenied) as exc:
        intro.answer(staff, req, accept=True)
    assert str(exc.value) == "只有被引荐的专家本人可以答复。"
    resp = client_for(person.user).post(f"/innovation/intro/{req.pk}/act/", {"action": "accept"})
    assert resp.status_code == 302
    req.refresh_from_db()
    assert req.status == IntroStatus.ACCEPTED and req.answered_at is not None
    assert Notification.objects.filter(user=company_user, key=f"innovation-intro-answer-{req.pk}").exists()

    # After acceptance: each side sees the other's contact in full, and every view is logged.
    html = mine.get(f"/innovation/intro/{req.pk}/").content.decode()
    assert EXPERT_PHONE in html and "expert@example.org" in html
    person_ct = ContentType.objects.get_for_model(Person)
    logged = PiiAccess.objects.filter(user=company_user, content_type=person_ct, object_id=person.pk)
    assert sorted(logged.values_list("field", flat=True)) == ["email", "phone"]
    html = client_for(person.user).get(f"/innovation/intro/{req.pk}/").content.decode()
    assert "13912345678" in html and "林经理" in html
    assert PiiAccess.objects.filter(user=person.user, field="contact_phone", object_id=ent.pk,
                                    content_type=ContentType.objects.get_for_model(Enterprise)).count() == 1
    staff_html = client_for(staff).get(f"/innovation/intro/{req.pk}/").content.decode()
    assert EXPERT_PHONE not in staff_html and "13912345678" not in staff_html
    with pytest.raises(PermissionDenied):
        intro.reveal_contacts(staff, req)

    # The company closes it with a rating: one service record for the expert.
    with pytest.raises(PermissionDenied) as exc:
        intro.complete(person.user, req, outcome="完成", rating=5)
    assert str(exc.value) == "只有申请企业可以确认服务完成。"
    with pytest.raises(ValidationError) as exc:
        intro.complete(company_user, req, outcome="", rating=6)
    assert exc.value.messages == ["请填写服务成效。", "评价应为 1 到 5 星。"]
    assert not ServiceRecord.objects.filter(source=ServiceSource.INTRODUCTION).exists()
    mine.post(f"/innovation/intro/{req.pk}/act/", {"action": "complete", "outcome": "轴承寿命提升 30%",
                                                   "rating": "5", "kind": "research"})
    req.refresh_from_db()
    assert req.status == IntroStatus.DONE and req.rating == 5
    rec = ServiceRecord.objects.get(source=ServiceSource.INTRODUCTION)
    assert (rec.source, rec.expert, rec.enterprise, rec.society, rec.rating, rec.kind) == (
        ServiceSource.INTRODUCTION, person, ent, None, 5, "research")
    actions = [e.action for e in history_for(req).order_by("id")]
    assert actions == ["innovation.introduction.requested", "innovation.introduction.brokered",
                       "innovation.introduction.answered", "innovation.introduction.completed"]


def test_refusals_change_nothing(province):
    staff = province["users"]["demo-province"]
    _pending, pending_user = company(province, verified=False)
    person = expert(province)
    with pytest.raises(PermissionDenied) as exc:
        intro.request(pending_user, expert=person, message="请求")
    assert str(exc.value) == "企业尚未通过核验，暂不能申请专家引荐。"

    ent, user = company(province, uscc=USCC[1])
    private = expert(province, public=False)
    with pytest.raises(ValidationError) as exc:
        intro.request(user, expert=private, message="请求")
    assert exc.value.messages == ["该专家未同意公开专家信息，不能申请引荐。"]
    with pytest.raises(ValidationError) as exc:
        intro.request(user, expert=person, message="  ")
    assert exc.value.messages == ["请填写需求说明。"]
    assert not Introduction.objects.exists()

    first = intro.request(user, expert=person, message="第一次")
    with pytest.raises(ValidationError) as exc:
        intro.request(user, expert=person, message="第二次")
    assert exc.value.messages == ["已向该专家提出引荐申请，请等待办理结果。"]
    assert Introduction.objects.count() == 1

    # A need of another enterprise cannot be attached.
    other, other_user = company(province, uscc=USCC[2])
    need = services.create_need(other_user, title="他人的需求", description="x", industry="34", kind="research")
    with pytest.raises(ValidationError) as exc:
        intro.request(user, expert=expert(province), message="x", need=need)
    assert exc.value.messages == ["所选技术需求不属于本企业。"]

    # An expert without public profile may be named when matching put them on the need's list (marked useful).
    own_need = services.create_need(user, title="轴承降噪", description="x", industry="34", kind="research")
    MatchFeedback.objects.create(need=own_need, person=private, useful=True, by=staff, org_path=own_need.org_path)
    via_match = intro.request(user, expert=private, message="匹配推荐的专家", need=own_need)
    assert via_match.need == own_need

    # Cancel needs a reason; once cancelled a new request to the same expert is allowed again.
    with pytest.raises(ValidationError) as exc:
        intro.cancel(staff, first, "")
    assert exc.value.messages == ["取消须说明理由。"]
    assert Introduction.objects.get(pk=first.pk).status == IntroStatus.REQUESTED
    intro.cancel(staff, first, "企业需求已由其他渠道解决")
    first.refresh_from_db()
    assert first.status == IntroStatus.CANCELLED and first.decline_reason == "企业需求已由其他渠道解决"
    with pytest.raises(ValidationError) as exc:
        intro.broker(staff, first, "联系")
    assert exc.value.messages == ["只有待引荐的申请可以引荐。"]
    intro.request(user, expert=person, message="重新申请")


def test_decline_with_reason_keeps_contacts_hidden(province):
    staff = province["users"]["demo-province"]
    _ent, user = company(province)
    person = expert(province)
    req = intro.request(user, expert=person, message="请求指导")
    intro.broker(staff, req, "已联系")
    with pytest.raises(ValidationError) as exc:
        intro.answer(person.user, req, accept=False, reason="")
    assert exc.value.messages == ["婉拒须说明理由。"]
    assert Introduction.objects.get(pk=req.pk).status == IntroStatus.BROKERED
    client_for(person.user).post(f"/innovation/intro/{req.pk}/act/", {"action": "decline", "reason": "近期出国访学"})
    req.refresh_from_db()
    assert req.status == IntroStatus.DECLINED and req.decline_reason == "近期出国访学"
    html = client_for(user).get(f"/innovation/intro/{req.pk}/").content.decode()
    assert "近期出国访学" in html and EXPERT_PHONE not in html
    with pytest.raises(ValidationError) as exc:
        intro.complete(user, req, outcome="x", rating=3)
    assert exc.value.messages == ["专家同意对接后方可确认服务完成。"]
    with pytest.raises(ValidationError) as exc:
        intro.cancel(staff, req, "取消")
    assert exc.value.messages == ["专家已答复，不能再取消。"]
    assert not PiiAccess.objects.exists()
    assert not ServiceRecord.objects.filter(source=ServiceSource.INTRODUCTION).exists()


def test_pages_and_scope(province):
    b = province["city_b"]
    ent, user = company(province)
    Enterprise.objects.filter(pk=ent.pk).update(host=b, org_path=b.path)  # served by city B
    person = expert(province, path=b.path)
    req = intro.request(user, expert=person, message="B市企业的申请")
    assert req.org_path == b.path
    city_a, city_b = client_for(province["users"]["demo-city-a"]), client_for(province["users"]["demo-city-b"])
    assert city_a.get(f"/innovation/intro/{req.pk}/").status_code == 404
    assert "闽江精密轴承有限公司" not in city_a.get("/innovation/intro/").content.decode()
    city_a.post(f"/innovation/intro/{req.pk}/act/", {"action": "broker", "note": "越权"})
    assert Introduction.objects.get(pk=req.pk).status == IntroStatus.REQUESTED
    assert "闽江精密轴承有限公司" in city_b.get("/innovation/intro/").content.decode()
    resp = city_b.post(f"/innovation/intro/{req.pk}/act/", {"action": "broker", "note": ""}, follow=True)
    assert "请填写引荐说明。" in resp.content.decode()
    city_b.post(f"/innovation/intro/{req.pk}/act/", {"action": "broker", "note": "已联系"})
    assert Introduction.objects.get(pk=req.pk).status == IntroStatus.BROKERED

    # The request page: only verified enterprises, only public experts are offered.
    mine = client_for(user)
    page = mine.get(f"/innovation/intro/new/?q={person.name}").content.decode()
    assert f"?expert={person.pk}" in page
    resp = mine.post("/innovation/intro/new/", {"expert": str(person.pk), "message": "再来一次"})
    assert resp.status_code == 400 and "已向该专家提出引荐申请，请等待办理结果。" in resp.content.decode()
    _pending, pending_user = company(province, verified=False, uscc=USCC[1])
    assert client_for(pending_user).get("/innovation/intro/new/").status_code == 403
