"""点菜 by any level (issue 15 item 4, decision 0043): a city dispatches a need it approved to its own societies at
once and to provincial societies through a request the province approves or declines; the society picker is a
search over every eligible society (no cut at 300), leaves out branches and committees unless asked, stays in
scope; team members are picked by a person search (scoped, masked), never by typed ids."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kexie.innovation.models import Dispatch, DispatchRequest, Need, NeedStatus, RequestStatus
from kexie.innovation.needs import dispatches, services
from kexie.notices.models import Notification
from kexie.orgs.models import Organisation, OrgKind
from kexie.people.models import Person

_seq = itertools.count(1)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def org(parent: Organisation, name: str, kind: str = "society") -> Organisation:
    return Organisation.objects.add_child(parent, {
        "name": name, "code": f"DL{next(_seq):06d}", "kind": OrgKind.objects.get(code=kind), "level": parent.level})


def city_need(province, city: str = "city_a") -> Need:
    user = province["users"][f"demo-{city.replace('_', '-')}"]
    need = services.create_need(user, owner=province[city], title=f"冷链仓储节能改造{next(_seq)}",
                                description="冷库能耗偏高，需要节能改造方案。", industry="34", kind="research")
    services.submit_need(user, need)
    services.review_need(user, need, "approve")
    return Need.objects.get(pk=need.pk)


def provincial_society(province) -> Organisation:
    return (Organisation.objects.filter(kind__code="society", depth=2, path__startswith=province["root"].path)
            .exclude(path__startswith=province["city_a"].path).order_by("path").first())


def suggestions(client: Client, need: Need, text: str, **extra: str) -> str:
    r = client.get(reverse("innovation:dispatch-picker", args=[need.pk]), {"societies": text, **extra})
    assert r.status_code == 200
    return r.content.decode()


def test_a_city_dispatches_a_need_it_approved_to_its_own_society(province):
    own = org(province["city_a"], "A市机械工程学会")
    need = city_need(province)
    c = client_for(province["users"]["demo-city-a"])
    page = c.get(reverse("innovation:need", args=[need.pk])).content.decode()
    assert 'id="dispatch"' in page and "包括分支机构" in page
    r = c.post(reverse("innovation:need-act", args=[need.pk]),
               {"action": "dispatch", "societies": f"{own.code} {own.name}", "days": "5"}, follow=True)
    assert "已派单给A市机械工程学会。" in r.content.decode()
    d = Dispatch.objects.get(need=need)
    assert d.society == own and Need.objects.get(pk=need.pk).status == NeedStatus.MATCHING
    assert not DispatchRequest.objects.filter(need=need).exists()


def test_a_provincial_society_goes_through_the_province_which_approves(province):
    need = city_need(province)
    soc = provincial_society(province)
    city, prov = province["users"]["demo-city-a"], province["users"]["demo-province"]
    c = client_for(city)
    assert "须上级科协确认" in suggestions(c, need, soc.name)
    r = c.post(reverse("innovation:need-act", args=[need.pk]),
               {"action": "dispatch", "societies_ids": str(soc.pk), "days": "7", "note": "请尽快安排"}, follow=True)
    assert "须上级科协确认，已提交请求" in r.content.decode()
    req = DispatchRequest.objects.get(need=need)
    assert req.status == RequestStatus.PENDING and list(req.societies.all()) == [soc]
    assert req.decider_path == province["root"].path
    assert not Dispatch.objects.filter(need=need).exists()  # nothing reaches the society before the province agrees
    assert Notification.objects.filter(user=prov, key=f"innovation-dispatch-request-{req.pk}").exists()
    # the society's staff see nothing of the request; the province has it in its queue
    society_staff = province["users"]["demo-society"]
    assert client_for(society_staff).get(reverse("innovation:dispatch-request", args=[req.pk])).status_code == 404
    cp = client_for(prov)
    assert need.title in cp.get(reverse("innovation:dispatch-requests")).content.decode()
    assert "个派单请求待本会确认" in cp.get(reverse("innovation:needs")).content.decode()
    # the city may not decide its own request
    assert "同意并派单</button>" not in c.get(reverse("innovation:dispatch-request", args=[req.pk])).content.decode()
    c.post(reverse("innovation:dispatch-request", args=[req.pk]), {"action": "approve"})
    assert DispatchRequest.objects.get(pk=req.pk).status == RequestStatus.PENDING
    r = cp.post(reverse("innovation:dispatch-request", args=[req.pk]), {"action": "approve"}, follow=True)
    assert "已同意并派单。" in r.content.decode(), [str(m) for m in r.context["messages"]]
    d = Dispatch.objects.get(need=need)
    assert d.society == soc and d.note == "请尽快安排" and DispatchRequest.objects.get(pk=req.pk).status == "approved"
    staff = Organisation.objects.get(pk=society_staff.assignments.get().organisation_id)
    if staff.pk == soc.pk:
        assert Notification.objects.filter(user=society_staff, key=f"innovation-dispatch-{d.pk}").exists()
    assert Notification.objects.filter(user=city, key=f"innovation-dispatch-decided-{req.pk}").exists()
    page = c.get(reverse("innovation:need", args=[need.pk])).content.decode()
    assert "已同意并派单" in page and soc.name in page


def test_a_declined_request_keeps_nothing_and_the_city_reads_why(province):
    need = city_need(province)
    soc = provincial_society(province)
    city, prov = province["users"]["demo-city-a"], province["users"]["demo-province"]
    req = dispatches.request_dispatch(city, need, [soc])
    cp = client_for(prov)
    r = cp.post(reverse("innovation:dispatch-request", args=[req.pk]), {"action": "decline", "reason": ""})
    assert "不同意须说明理由。" in r.content.decode() and DispatchRequest.objects.get(pk=req.pk).status == "pending"
    cp.post(reverse("innovation:dispatch-request", args=[req.pk]), {"action": "decline", "reason": "该学会本月任务已满"})
    req.refresh_from_db()
    assert req.status == RequestStatus.DECLINED and req.reason == "该学会本月任务已满"
    assert not Dispatch.objects.filter(need=need).exists()
    assert Need.objects.get(pk=need.pk).status == NeedStatus.PUBLISHED
    assert Notification.objects.filter(user=city, key=f"innovation-dispatch-decided-{req.pk}").exists()
    assert "该学会本月任务已满" in client_for(city).get(reverse("innovation:need", args=[need.pk])).content.decode()
    # decided once: a second answer is refused, nothing changes
    with pytest.raises(ValidationError):
        dispatches.decide_request(prov, req, approve=True)
    assert not Dispatch.objects.filter(need=need).exists()
    # and the city may ask again
    assert dispatches.request_dispatch(city, need, [soc]).status == RequestStatus.PENDING


def test_the_picker_reaches_past_300_and_leaves_out_branches_unless_asked(province):
    root = province["root"]
    for i in range(305):
        org(root, f"甲{i:03d}研究会")
    late = org(root, "鼎鼐工程学会")  # alphabetically late, beyond the first 300 societies
    branch = org(late, "鼎鼐工程学会青年工作委员会", "society_branch")
    need = city_need(province)
    c = client_for(province["users"]["demo-city-a"])
    assert late.name in suggestions(c, need, "鼎鼐")
    assert branch.name not in suggestions(c, need, "鼎鼐")
    assert branch.name in suggestions(c, need, "鼎鼐", branches="on")
    # the branch is refused on submit unless 包括分支机构 is ticked
    r = c.post(reverse("innovation:need-act", args=[need.pk]),
               {"action": "dispatch", "societies": f"{branch.code} {branch.name}"}, follow=True)
    assert "找不到" in r.content.decode() and not DispatchRequest.objects.filter(need=need).exists()
    c.post(reverse("innovation:need-act", args=[need.pk]),
           {"action": "dispatch", "societies": f"{branch.code} {branch.name}", "branches": "on"})
    assert list(DispatchRequest.objects.get(need=need).societies.all()) == [branch]


def test_the_picker_stays_in_scope(province):
    b_soc = org(province["city_b"], "B市声学学会")
    a_soc = org(province["city_a"], "A市声学学会")
    need = city_need(province)
    c = client_for(province["users"]["demo-city-a"])
    html = suggestions(c, need, "声学学会")
    assert a_soc.name in html and b_soc.name not in html
    r = c.post(reverse("innovation:need-act", args=[need.pk]),
               {"action": "dispatch", "societies_ids": str(b_soc.pk)}, follow=True)
    assert "所选组织中有的已不在可选范围内" in r.content.decode()
    assert not Dispatch.objects.filter(need=need).exists() and not DispatchRequest.objects.filter(need=need).exists()
    # the service refuses too
    with pytest.raises(ValidationError):
        dispatches.request_dispatch(province["users"]["demo-city-a"], need, [])
    # city B's need: no suggestions for city A at all
    b_need = city_need(province, "city_b")
    assert c.get(reverse("innovation:dispatch-picker", args=[b_need.pk]), {"societies": "学会"}).status_code == 404


def test_who_dispatches_is_named_to_those_who_cannot(province):
    need = city_need(province)
    society_staff = province["users"]["demo-society"]
    soc = Organisation.objects.get(pk=society_staff.assignments.get().organisation_id)
    dispatches.dispatch(province["users"]["demo-province"], need, [soc])
    page = client_for(society_staff).get(reverse("innovation:need", args=[need.pk])).content.decode()
    assert 'id="dispatch"' not in page and reverse("innovation:dispatch-picker", args=[need.pk]) not in page
    assert f"这条需求由{province['city_a'].name}派单给学会。" in page
    # and the picker answers the society's staff with nothing
    assert "<option" not in suggestions(client_for(society_staff), need, "学会")


def test_malformed_picker_input_is_no_server_error(province):
    need = city_need(province)
    c = client_for(province["users"]["demo-city-a"])
    for params in ({"societies": "\x00"}, {"societies": "x" * 5000}, {"field": "<b>", "list": "'\""},
                   {"branches": "[]"}, {"q": "%"}):
        assert c.get(reverse("innovation:dispatch-picker", args=[need.pk]), params).status_code in (200, 400)
        assert c.get(reverse("people:picker"), params).status_code in (200, 400)
    for data in ({"societies_ids": "abc"}, {"societies_ids": "99999999999999999999"}, {"societies": "；；"},
                 {"societies": "学会"}, {"days": "-3", "societies": "x"}):
        r = c.post(reverse("innovation:need-act", args=[need.pk]), {"action": "dispatch", **data})
        assert r.status_code == 302
    assert not Dispatch.objects.filter(need=need).exists()


def test_person_picker_is_scoped_and_masked(province):
    a, b = province["city_a"], province["city_b"]
    pa = Person.objects.create(name="欧阳明远", org=a, org_path=a.path, employer_name="A市第一医院", phone="13912345678")
    pb = Person.objects.create(name="欧阳明近", org=b, org_path=b.path, employer_name="B市第二医院", phone="13987654321")
    html = client_for(province["users"]["demo-city-a"]).get(reverse("people:picker"), {"q": "欧阳明"}).content.decode()
    assert "欧阳明远（A市第一医院）" in html and pb.name not in html
    assert "13912345678" not in html and "139" in html  # masked phone only
    assert str(pa.pk) in html  # the option carries the id for the script; nobody types it


def test_the_team_is_picked_by_search_not_by_typed_ids(province):
    soc, staff = None, province["users"]["demo-society"]
    soc = Organisation.objects.get(pk=staff.assignments.get().organisation_id)
    need = city_need(province)
    d = dispatches.dispatch(province["users"]["demo-province"], need, [soc])[0]
    lead = Person.objects.create(name="司马青云", org=soc, org_path=soc.path, employer_name="省工程研究院")
    mate = Person.objects.create(name="司马白露", org=soc, org_path=soc.path, employer_name="省工程研究院")
    c = client_for(staff)
    page = c.get(reverse("innovation:dispatch", args=[d.pk])).content.decode()
    assert "人员编号" not in page and reverse("people:picker") in page
    r = c.post(reverse("innovation:dispatch", args=[d.pk]),
               {"action": "accept", "leader": "司马", "team": "", "plan": "上门诊断"})
    assert "对应多位人员" in r.content.decode() and Dispatch.objects.get(pk=d.pk).status == "waiting"
    r = c.post(reverse("innovation:dispatch", args=[d.pk]),
               {"action": "accept", "leader": "司马青云（省工程研究院）", "team": "司马白露", "plan": "上门诊断"})
    d.refresh_from_db()
    assert d.status == "accepted" and d.team_leader == lead and set(d.team.all()) == {lead, mate}


def test_staff_pick_the_receiving_association_by_search_without_a_cut(province):
    c = client_for(province["users"]["demo-province"])
    county = (Organisation.objects.filter(kind__code="kx", path__startswith=province["city_b"].path)
              .order_by("-path").first())  # the last association of the province, beyond any list cut
    page = c.get(reverse("innovation:need-create")).content.decode()
    assert "<select name=\"owner\"" not in page and reverse("orgs:picker") in page
    data = {"title": "县域冷链节能", "description": "冷库节能改造。", "industry": "34", "kind": "research",
            "confidentiality": "public"}
    before = Need.objects.count()
    r = c.post(reverse("innovation:need-create"), {**data, "owner": "没有这个科协"})
    assert r.status_code == 400 and "找不到“没有这个科协”" in r.content.decode() and Need.objects.count() == before
    r = c.post(reverse("innovation:need-create"), {**data, "owner": f"{county.code} {county.name}"})
    assert r.status_code == 302 and Need.objects.get(title="县域冷链节能").owner == county
    # city A cannot name a city-B association
    r = client_for(province["users"]["demo-city-a"]).post(reverse("innovation:need-create"),
                                                          {**data, "title": "越权", "owner": county.name})
    assert r.status_code == 400 and not Need.objects.filter(title="越权").exists()
