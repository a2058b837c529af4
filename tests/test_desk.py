"""The staff to-do desk (工作台, decision 0041): every app declares ``desk`` functions in its AppConfig, the home page
shows what waits for the user (待我处理) and what the user started that waits for others (等待他人), with counts,
the nearest deadline and overdue badges, within the user's scope, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kexie.accounts.models import User
from kexie.accounts.services import grant_role
from kexie.calls.models import (
    REVIEW_STAGES,
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    CallStatus,
    ReviewAssignment,
    Stage,
)
from kexie.core.registry import Todo, desk_functions, desk_items
from kexie.core.services import SYSTEM
from kexie.demo.reports import society_data
from kexie.innovation.models import Dispatch, DispatchStatus, Need, NeedStatus
from kexie.innovation.needs import dispatches
from kexie.reports import services as report_services
from kexie.reports.models import Campaign, CampaignStatus, Submission, SubmissionStatus
from tests.conftest import login

FILL = "本单位待填报的报表"
ANSWER = "待本会答复的派单"
NEEDS = "待审核的技术需求"
REVIEWS = "待我审核的填报"
SENT = "我派出尚未答复的派单"
FILLABLE = (SubmissionStatus.NOT_STARTED, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


def _items(username: str) -> dict[str, Todo]:
    return {str(t.label): t for t in desk_items(User.objects.get(username=username))}


def _home(username: str) -> str:
    response = login(username).get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_every_app_with_work_declares_its_desk_function():
    refs = desk_functions()
    for app in ("reports", "calls", "innovation", "members", "orgs", "signup", "governance", "imports"):
        assert f"kexie.{app}.desk.todos" in refs, app
    assert "kexie.home.todos.todos" in refs
    with pytest.raises(ValueError):
        Todo("x", 1, "/", kind="theirs")


@pytest.mark.django_db
def test_society_sees_its_annual_report_and_dispatch_and_the_counts_drop(province):
    society, user = province["society"], province["users"]["demo-society"]
    today = timezone.localdate()
    open_subs = Submission.objects.filter(organisation=society, status__in=FILLABLE,
                                          campaign__status=CampaignStatus.OPEN, campaign__opens_on__lte=today)
    waiting = Dispatch.objects.filter(society=society, status=DispatchStatus.WAITING)
    items = _items("demo-society")
    assert items[FILL].count == open_subs.count() >= 1
    assert items[FILL].deadline == min(s.campaign.deadline for s in open_subs)
    assert items[ANSWER].count == waiting.count() >= 1
    assert items[ANSWER].deadline == timezone.localdate(min(d.respond_by for d in waiting))
    html = _home("demo-society")
    assert FILL in html and ANSWER in html and 'id="desk-mine-table"' in html and "暂无待办" not in html
    if open_subs.count() == 1:
        assert f'href="/reports/submissions/{open_subs.get().pk}/"' in html

    sub = open_subs.order_by("pk").first()
    report_services.submit(user, sub, society_data(random.Random(1), sub.organisation, {}, sub.campaign.year))
    dispatch = waiting.order_by("pk").first()
    dispatches.respond(user, dispatch, accept=False, reason="本会暂无相关领域专家")
    after = _items("demo-society")
    assert after.get(FILL, Todo("", 0, "")).count == items[FILL].count - 1
    assert after.get(ANSWER, Todo("", 0, "")).count == items[ANSWER].count - 1


@pytest.mark.django_db
def test_overdue_dispatch_shows_in_red_with_its_count(province):
    society = province["society"]
    Dispatch.objects.filter(society=society, status=DispatchStatus.WAITING).update(
        respond_by=timezone.now() - dt.timedelta(days=2))
    item = _items("demo-society")[ANSWER]
    assert item.overdue == item.count >= 1 and item.late
    html = _home("demo-society")
    row = html[html.index(ANSWER) - 300:html.index(ANSWER) + 600]
    assert "todo-late" in row and f"逾期 {item.overdue} 项" in row


@pytest.mark.django_db
def test_province_counts_what_waits_in_its_calls_and_needs(province):
    items = _items("demo-province")
    calls = Call.objects.filter(status=CallStatus.OPEN, current_stage=Stage.FORMAL, deleted_at__isnull=True)
    formal = Application.objects.filter(call__in=calls, status__in=(ApplicationStatus.SUBMITTED,
                                                                     ApplicationStatus.NOMINATED)).count()
    assert formal >= 1 and items["待形式审查的申报"].count == formal
    needs = Need.objects.filter(deleted_at__isnull=True, status__in=(NeedStatus.SUBMITTED, NeedStatus.REVIEWING))
    assert items[NEEDS].count == needs.count() >= 1
    html = _home("demo-province")
    assert "待形式审查的申报" in html and NEEDS in html and "我可管理的组织" in html


@pytest.mark.django_db
def test_city_a_does_not_count_city_b(province):
    city_b = province["city_b"]
    before_a, before_p = _items("demo-city-a"), _items("demo-province")
    # City B gets a need to approve and a submission to review: the province counts them, city A does not.
    need = Need.objects.filter(org_path__startswith=city_b.path, status=NeedStatus.PUBLISHED).first()
    Need.objects.filter(pk=need.pk).update(status=NeedStatus.SUBMITTED)
    sub = Submission.objects.filter(org_path__startswith=city_b.path).exclude(organisation=city_b).first() \
        or Submission.objects.filter(org_path__startswith=city_b.path).first()
    Submission.objects.filter(pk=sub.pk).update(status=SubmissionStatus.SUBMITTED)
    after_a, after_p = _items("demo-city-a"), _items("demo-province")
    count = lambda items, label: items[label].count if label in items else 0  # noqa: E731
    assert count(after_a, NEEDS) == count(before_a, NEEDS)
    assert count(after_p, NEEDS) == count(before_p, NEEDS) + 1
    assert count(after_a, REVIEWS) == count(before_a, REVIEWS)
    assert count(after_p, REVIEWS) == count(before_p, REVIEWS) + 1
    assert count(_items("demo-city-b"), NEEDS) == 1


@pytest.mark.django_db
def test_a_dispatch_i_sent_waits_for_others(province):
    user = province["users"]["demo-province"]
    need = Need.objects.filter(status=NeedStatus.PUBLISHED, org_path__startswith=province["city_b"].path).first()
    society = dispatches.direct_targets(user, need).exclude(pk__in=need.dispatches.values("society_id")).first()
    [sent] = dispatches.dispatch(user, need, [society], respond_days=5)
    item = _items("demo-province")[SENT]
    assert item.kind == "waiting" and item.count == 1 and item.deadline == timezone.localdate(sent.respond_by)
    html = _home("demo-province")
    waiting = html[html.index('id="desk-waiting"'):]
    assert SENT in waiting and f'href="/innovation/dispatches/{sent.pk}/"' in waiting


@pytest.mark.django_db
def test_a_campaign_i_started_waits_for_its_filers(province):
    user, city_a = province["users"]["demo-city-a"], province["city_a"]
    version = Campaign.objects.filter(status=CampaignStatus.OPEN).select_related("version").first().version
    today = timezone.localdate()
    campaign = report_services.create_campaign(user, version=version, name="本市学会季度报表", year=today.year,
                                               root=city_a, opens_on=today, deadline=today + dt.timedelta(days=3))
    filers = Submission.objects.filter(campaign=campaign).count()
    assert filers >= 1
    item = _items("demo-city-a")["我发起的填报任务中尚未提交的单位"]
    assert item.kind == "waiting" and item.count == filers and item.deadline == campaign.deadline
    assert item.url == f"/reports/campaigns/{campaign.pk}/"
    html = _home("demo-city-a")
    assert "还剩 3 天" in html[html.index('id="desk-waiting"'):]
    assert "我发起的填报任务中尚未提交的单位" not in _home("demo-province")  # started by city A, not by the province


@pytest.mark.django_db
def test_staff_who_review_see_their_reviews(province):
    expert = User.objects.get(username="demo-expert")
    assigned = ReviewAssignment.objects.filter(expert__user=expert, status=AssignmentStatus.ASSIGNED,
                                               call__status=CallStatus.OPEN, call__current_stage__in=REVIEW_STAGES)
    assert assigned.count() >= 1
    grant_role(SYSTEM, expert, province["society"], "staff")  # a society's staff member who is also an expert
    item = _items("demo-expert")["待我评审的申报"]
    assert item.count == assigned.count() and item.url.startswith("/calls/reviews/")
    assert "待我评审的申报" in _home("demo-expert")


@pytest.mark.django_db
def test_empty_desk_says_so_with_next_steps(province):
    assert desk_items(User.objects.get(username="demo-enterprise")) == []
    html = _home("demo-enterprise")
    assert "暂无待办" in html and 'href="/notices/"' in html and 'id="desk-waiting"' not in html


@pytest.mark.django_db
def test_home_page_queries_are_bounded(province):
    """The desk's queries do not grow with the work waiting: more needs, dispatches and submissions, same count."""
    def queries(username: str) -> int:
        client = login(username)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    province_user = province["users"]["demo-province"]
    # Several of every sort wait (a line with one links to its record, with several to the most urgent one) …
    Need.objects.filter(status=NeedStatus.DRAFT).update(status=NeedStatus.SUBMITTED)
    Submission.objects.filter(status=SubmissionStatus.ACCEPTED).update(status=SubmissionStatus.SUBMITTED)
    Dispatch.objects.exclude(status=DispatchStatus.WAITING).update(status=DispatchStatus.WAITING,
                                                                   dispatched_by=province_user)
    before = {u: queries(u) for u in ("demo-province", "demo-society")}
    assert max(before.values()) <= 45, before
    # … and many more: the same number of queries.
    Need.objects.filter(status__in=(NeedStatus.SOLVED, NeedStatus.MATCHED)).update(status=NeedStatus.REVIEWING)
    Submission.objects.filter(status=SubmissionStatus.NOT_STARTED).update(status=SubmissionStatus.SUBMITTED)
    for need in Need.objects.filter(status=NeedStatus.PUBLISHED):
        for society in dispatches.direct_targets(province_user, need).exclude(
                pk__in=need.dispatches.values("society_id"))[:3]:
            dispatches.dispatch(province_user, need, [society])
    assert {u: queries(u) for u in before} == before
