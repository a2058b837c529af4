"""Notices when call work opens (issue 15 item 2, decision 0042): a call opening for application tells the staff of
every nominating organisation with places and the registered scientists it is for (by its discipline, region, age
rules), or its subscribers; once each; unsubscribing stops it; an expert assigned to reviews is told once per call;
the subscription page (订阅申报通知)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kexie.calls import eligibility
from kexie.calls.experts import services as expert_services
from kexie.calls.models import Call, CallSubscription, ReviewAssignment
from kexie.calls.review import services as review
from kexie.calls.setup import services as setup_services
from kexie.calls.subscriptions import announce_call, save_subscription
from kexie.notices.models import Notification
from kexie.people.models import Discipline, PersonDiscipline
from tests.conftest import login
from tests.test_calls import FORM, RUBRIC, make_person, stages
from tests.test_calls_review import review_call

pytestmark = pytest.mark.django_db

_n = iter(range(1, 10**6))


def draft_call(province, rules=None, *, nominate=True) -> Call:
    actor = province["users"]["demo-province"]
    lib = expert_services.create_library(actor, owner=province["root"], name="评审专家库")
    return setup_services.create_call(
        actor, owner=province["root"], code=f"notice-call-{next(_n)}", name=f"2026年度学科前沿课题{next(_n)}",
        year=2026, type="topic", applicant_kind="person", eligibility=rules or [], form_schema=FORM,
        stages=stages(timezone.localdate(), nominate), rubric=RUBRIC, reviews_per_application=3, expert_library=lib)


def scientist(org, parent_code: str, *, birth=dt.date(1995, 5, 1)):
    person = make_person(org, name=f"科技工作者{next(_n)}", birth=birth, user=True)
    discipline = Discipline.objects.filter(parent__code=parent_code).order_by("code").first()
    PersonDiscipline.objects.create(person=person, discipline=discipline, is_primary=True)
    return person


def told(call: Call) -> set[int]:
    return set(Notification.objects.filter(key=f"calls-open-{call.pk}").values_list("user_id", flat=True))


def test_opening_tells_the_staff_of_each_quota_holder_once(province):
    staff, society = province["users"]["demo-province"], province["society"]
    call = draft_call(province)
    setup_services.set_quotas(staff, call, {society: 2})
    mine = Notification.objects.filter(user=province["users"]["demo-society"], key=f"calls-open-{call.pk}")
    assert not mine.exists()  # a draft tells nobody
    call = setup_services.open_call(staff, call)
    notice = mine.get()
    assert notice.title == f"新的申报批次：{call.name}"
    apply_by, nominate_by = call.deadline_of("apply").isoformat(), call.deadline_of("nominate").isoformat()
    assert apply_by in notice.body and nominate_by in notice.body and "推荐名额" in notice.body
    assert notice.url == reverse("calls:detail", args=[call.pk])
    # places changed, the job run again: nobody is told twice
    setup_services.set_quotas(staff, Call.objects.get(pk=call.pk), {society: 3})
    assert announce_call(Call.objects.get(pk=call.pk)) == 0
    assert mine.count() == 1
    # an organisation given places later hears of the open call then
    city = province["city_a"]
    setup_services.set_quotas(staff, Call.objects.get(pk=call.pk), {city: 2})
    assert Notification.objects.filter(user=province["users"]["demo-city-a"], key=f"calls-open-{call.pk}").exists()


def test_opening_reaches_scientists_of_its_disciplines_region_and_age_only(province):
    a, b = province["city_a"], province["city_b"]
    fit = scientist(a, "520")
    other_field = scientist(a, "310")
    elsewhere = scientist(b, "520")
    too_old = scientist(a, "520", birth=dt.date(1960, 1, 1))
    quit_ = scientist(a, "520")
    save_subscription(quit_.user, active=False, disciplines=[], region=None)
    rules = [{"rule": "discipline", "codes": ["520"]}, {"rule": "region", "orgs": [a.pk]},
             {"rule": "age", "on": "2026-12-31", "max": 45}]
    call = setup_services.open_call(province["users"]["demo-province"], draft_call(province, rules))
    reached = told(call)
    assert fit.user_id in reached and eligibility.evaluate(call, person=fit).ok
    for person in (other_field, elsewhere, too_old):  # the SQL filters agree with the call page's check
        assert person.user_id not in reached and not eligibility.evaluate(call, person=person).ok
    assert quit_.user_id not in reached and eligibility.evaluate(call, person=quit_).ok  # eligible, unsubscribed
    notice = Notification.objects.get(user=fit.user, key=f"calls-open-{call.pk}")
    assert notice.title == f"新的申报批次：{call.name}" and call.deadline_of("apply").isoformat() in notice.body
    assert announce_call(Call.objects.get(pk=call.pk)) == 0  # the second run sends nothing
    assert Notification.objects.filter(user=fit.user, key=f"calls-open-{call.pk}").count() == 1


def test_a_call_open_to_every_discipline_of_the_province_reaches_subscribers_only(province):
    a, b = province["city_a"], province["city_b"]
    subscriber = scientist(a, "520")
    save_subscription(subscriber.user, active=True, disciplines=[], region=None)
    plain = scientist(a, "520")  # no subscription: not told of every call in the province
    city_b_only = scientist(a, "520")
    save_subscription(city_b_only.user, active=True, disciplines=[], region=b)  # a city-A call is not theirs
    call = setup_services.open_call(province["users"]["demo-province"], draft_call(province))
    assert subscriber.user_id in told(call) and plain.user_id not in told(call)
    assert city_b_only.user_id in told(call)  # the province's call covers city B too
    narrow = setup_services.open_call(province["users"]["demo-province"],
                                      draft_call(province, [{"rule": "region", "orgs": [a.pk]}]))
    assert plain.user_id in told(narrow) and city_b_only.user_id not in told(narrow)
    # a subscription chooses its disciplines: a 310 subscriber is not told of a 520 call they could apply to
    picky = scientist(a, "520")
    save_subscription(picky.user, active=True, disciplines=list(Discipline.objects.filter(code="310")), region=None)
    by_field = setup_services.open_call(province["users"]["demo-province"],
                                        draft_call(province, [{"rule": "discipline", "codes": ["520"]}]))
    assert plain.user_id in told(by_field) and subscriber.user_id in told(by_field)
    assert picky.user_id not in told(by_field)


def test_the_subscription_page_unsubscribes_and_refuses_bad_input(province, client):
    person = scientist(province["city_a"], "520")
    own = person.disciplines.get()
    assert client.get(reverse("calls:subscribe")).status_code == 302  # sign in first
    client.force_login(person.user)
    page = client.get(reverse("calls:subscribe")).content.decode()
    assert "订阅申报通知" in page and f'value="{own.code}"' in page
    assert re.search(rf'value="{own.code}"[^>]*checked', page)  # their own discipline, chosen by default
    # a region that is not offered: a Chinese error, nothing saved
    bad = client.post(reverse("calls:subscribe"), {"active": "on", "region": "999999999", "disciplines": [own.code]})
    assert bad.status_code == 200 and "有效的选项" in bad.content.decode()
    assert not CallSubscription.objects.filter(user=person.user).exists()
    # unsubscribing: saved, said, and the next call in their field no longer reaches them
    done = client.post(reverse("calls:subscribe"), {"disciplines": [own.code], "region": ""}, follow=True)
    assert "已退订" in done.content.decode()
    assert CallSubscription.objects.get(user=person.user).active is False
    call = setup_services.open_call(province["users"]["demo-province"],
                                    draft_call(province, [{"rule": "discipline", "codes": ["520"]}]))
    assert person.user_id not in told(call)
    # subscribing again, to the city: the page shows it back
    city = province["city_a"]
    client.post(reverse("calls:subscribe"), {"active": "on", "disciplines": [own.code], "region": str(city.pk)})
    sub = CallSubscription.objects.get(user=person.user)
    assert sub.active and sub.region == city and list(sub.disciplines.values_list("code", flat=True)) == [own.code]
    again = setup_services.open_call(province["users"]["demo-province"],
                                     draft_call(province, [{"rule": "discipline", "codes": ["520"]}]))
    assert person.user_id in told(again)


def test_the_subscription_page_is_linked_from_my_page_and_the_call_list(province):
    client = login("demo-scientist")
    for name in ("me", "calls:list"):
        assert f'href="{reverse("calls:subscribe")}"' in client.get(reverse(name)).content.decode()


def test_each_assigned_expert_is_told_once_per_call_with_the_count(province):
    staff = province["users"]["demo-province"]
    call = review_call(province)
    review.run_assignment(staff, call)
    per_expert: dict[int, int] = {}
    for a in ReviewAssignment.objects.filter(call=call).select_related("expert"):
        per_expert[a.expert.user_id] = per_expert.get(a.expert.user_id, 0) + 1
    notices = Notification.objects.filter(key=f"calls-assigned-{call.pk}-review_corr")
    assert {n.user_id: n.title for n in notices} == {
        uid: f"评审任务：{call.name}（{n} 份）" for uid, n in per_expert.items()}
    assert all(n.url == reverse("calls:my-reviews") and call.deadline_of("review_corr").isoformat() in n.body
               for n in notices)
    # a conflict releases a pair; the rerun assigns another expert, who is not told twice
    a = ReviewAssignment.objects.filter(call=call).select_related("expert").first()
    expert_services.declare_conflict(a.expert.user, a.application, a.expert, "曾与申请人合作")
    review.run_assignment(staff, Call.objects.get(pk=call.pk))
    assert notices.count() == len(per_expert)


def test_the_demo_seed_announced_its_open_calls(province):
    scientist_titles = set(Notification.objects.filter(user=province["users"]["demo-scientist"],
                                                       key__startswith="calls-open-").values_list("title", flat=True))
    papers = Call.objects.filter(code__startswith="paper-").get()
    assert f"新的申报批次：{papers.name}" in scientist_titles
    talent = Call.objects.filter(code__startswith="talent-").get()
    assert Notification.objects.filter(user=province["users"]["demo-society"], key=f"calls-open-{talent.pk}",
                                       title=f"新的申报批次：{talent.name}").exists()
    think_tank = Call.objects.filter(code__startswith="think-tank-").get()
    tasks = ReviewAssignment.objects.filter(call=think_tank, expert__user__username="demo-expert").count()
    notice = Notification.objects.get(user__username="demo-expert", key__startswith=f"calls-assigned-{think_tank.pk}-")
    assert tasks and notice.title == f"评审任务：{think_tank.name}（{tasks} 份）"
    assert think_tank.deadline_of("review_corr").isoformat() in notice.body


def test_the_discipline_rule_on_the_set_up_form_and_the_call_page(province):
    from kexie.calls.setup.formsets import EligibilityRuleForm

    staff = province["users"]["demo-province"]
    bad = EligibilityRuleForm({"rule": "discipline", "disciplines": "520，99999"}, user=staff)
    assert not bad.is_valid() and bad.errors["disciplines"] == ["没有学科代码“99999”（请按 GB/T 13745 填写）。"]
    empty = EligibilityRuleForm({"rule": "discipline", "disciplines": " "}, user=staff)
    assert not empty.is_valid() and "学科条件须至少填写一个学科代码。" in empty.errors["disciplines"]
    good = EligibilityRuleForm({"rule": "discipline", "disciplines": "520、310"}, user=staff)
    assert good.is_valid() and good.cleaned_data["value"] == {"rule": "discipline", "codes": ["520", "310"]}
    assert eligibility.check_rules([{"rule": "discipline", "codes": []}]) == ["学科条件应列出学科代码。"]
    call = setup_services.open_call(staff, draft_call(province, [good.cleaned_data["value"]]))
    page = login("demo-province").get(reverse("calls:detail", args=[call.pk])).content.decode()
    assert "学科属于：520 " in page and "310 " in page
