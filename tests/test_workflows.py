"""Declared workflows (decision 0024): every workflow table of calls, reports and evaluation names real statuses;
the main user-facing transitions are refused by their service from any status outside their sources (a Chinese
message, nothing changed), and the pages show each button exactly when the table allows it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client

from kexie.calls.applications import services as app_services
from kexie.calls.models import (
    Appeal,
    AppealStatus,
    Application,
    ApplicationStatus,
    Call,
    ProjectReport,
    ProjectReportStatus,
)
from kexie.calls.projects import services as projects
from kexie.calls.review import publication
from kexie.calls.setup import services as setup_services
from kexie.core.workflow import Transition, Workflow, workflow_of
from kexie.reports import services as report_services
from kexie.reports.models import Submission, SubmissionStatus
from tests.test_calls import good_data, make_call, make_person
from tests.test_calls_projects import funded_call, leader, midterm_data
from tests.test_reports import GOOD, _county, _users, campaign, county_user, version  # noqa: F401 (fixtures)

CHINESE = re.compile(r"[\u4e00-\u9fff]")
DECLARED = {"calls.Call", "calls.Application", "calls.ReviewAssignment", "calls.Review", "calls.Objection",
            "calls.Appeal", "calls.Project", "calls.ProjectReport", "reports.FormVersion", "reports.Campaign",
            "reports.Submission"}


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _refused(call, *args) -> str:
    with pytest.raises(ValidationError) as exc:
        call(*args)
    message = " ".join(str(m) for m in exc.value.messages)
    assert CHINESE.search(message), message
    return message


# ---- the tables ---------------------------------------------------------------------------------
def _workflow_models():
    for label in ("calls", "reports", "evaluation"):
        for model in apps.get_app_config(label).get_models():
            if "WORKFLOW" in vars(model) or isinstance(getattr(model, "WORKFLOW", None), Workflow):
                yield model


def test_every_declared_workflow_names_real_statuses_of_its_field():
    found = {f"{m._meta.app_label}.{m.__name__}" for m in _workflow_models()}
    assert DECLARED <= found, DECLARED - found
    for model in _workflow_models():
        flow = model.WORKFLOW
        assert isinstance(flow, Workflow) and flow.transitions, model
        field = model._meta.get_field(flow.field)
        assert [c for c, _label in field.choices] == list(flow.statuses.values), model  # the field's own statuses
        valid = set(flow.statuses.values)
        for t in flow:
            assert t.sources and t.sources <= valid, (model, t.name)
            assert t.target is None or t.target in valid, (model, t.name)
            assert t.target not in t.sources or t.target is None, (model, t.name)
            assert CHINESE.search(str(t.label)), (model, t.name)
            if t.confirm:
                assert CHINESE.search(str(t.confirm)), (model, t.name)
            if t.refusal:
                assert CHINESE.search(str(t.refusal)), (model, t.name)


def test_a_table_with_an_unknown_status_or_a_repeated_name_is_refused_at_import():
    with pytest.raises(ValueError, match="unknown statuses"):
        Workflow("status", ApplicationStatus, [Transition("x", {"draft"}, "nowhere", "x")])
    with pytest.raises(ValueError, match="duplicate"):
        Workflow("status", ApplicationStatus, [Transition("x", {"draft"}, "submitted", "x"),
                                               Transition("x", {"returned"}, "submitted", "x")])


def test_destructive_transitions_ask_first():
    wanted = {(Application, "withdraw"), (Application, "decline"), (Application, "formal_return"),
              (Application, "formal_fail"), (Application, "not_approve"), (ProjectReport, "return"),
              (ProjectReport, "fail"), (Submission, "withdraw"), (Submission, "return"),
              (apps.get_model("reports", "Campaign"), "close"), (apps.get_model("calls", "Project"), "terminate")}
    for model, name in wanted:
        assert model.WORKFLOW[name].confirm, (model, name)


# ---- applications: the services refuse outside the table ----------------------------------------
def _statuses_outside(flow: Workflow, name: str) -> list[str]:
    return [s for s in flow.statuses.values if s not in flow.sources(name)]


def _set(app: Application, status: str) -> None:
    Application.objects.filter(pk=app.pk).update(status=status)
    app.refresh_from_db()


def _check_unchanged(app: Application, status: str, events: int) -> None:
    app.refresh_from_db()
    assert app.status == status and app.events.count() == events


@pytest.fixture
def nominating(province):
    """A call at its 单位推荐 stage, city A holding two places, and one application nominated through it."""
    staff = province["users"]["demo-province"]
    call = make_call(province)
    setup_services.set_quotas(staff, call, {province["city_a"]: 2})
    person = make_person(province["city_a"], user=True)
    app = app_services.start_application(person.user, call, person=person, nominator=province["city_a"])
    app_services.submit(person.user, app, {"title": "储能材料", **good_data()})
    Call.objects.filter(pk=call.pk).update(current_stage="nominate")
    app.refresh_from_db()
    return app


def test_application_services_refuse_every_status_outside_the_table(province, nominating):
    app = nominating
    flow = Application.WORKFLOW
    applicant = app.applicant_person.user
    city = province["users"]["demo-city-a"]
    staff = province["users"]["demo-province"]
    events = app.events.count()
    for status in _statuses_outside(flow, "withdraw"):
        _set(app, status)
        assert _refused(app_services.withdraw, applicant, app, "不想参加了") == "当前状态的申报不能撤回。"
        _check_unchanged(app, status, events)
    for status in _statuses_outside(flow, "submit"):
        _set(app, status)
        assert _refused(app_services.submit, applicant, app, good_data()) == "申报已提交，不能再修改（退回修改后方可修改）。"
        _check_unchanged(app, status, events)
    for status in _statuses_outside(flow, "nominate"):
        _set(app, status)
        label = ApplicationStatus(status).label
        assert _refused(app_services.nominate, city, app, "") == f"只能推荐已提交的申报（当前：{label}）。"
        _check_unchanged(app, status, events)
    for status in _statuses_outside(flow, "decline"):
        _set(app, status)
        assert "只能处理已提交的申报" in _refused(app_services.decline, city, app, "名额有限")
        _check_unchanged(app, status, events)
    Call.objects.filter(pk=app.call_id).update(current_stage="formal")
    for verdict, name in (("pass", "formal_pass"), ("return", "formal_return"), ("fail", "formal_fail")):
        for status in _statuses_outside(flow, name):
            _set(app, status)
            assert "不在形式审查队列中" in _refused(app_services.formal_check, staff, app, verdict, ["材料不齐全"], "")
            _check_unchanged(app, status, events)
    # inside the table each one goes through (the call's queue: 已推荐 when it nominates)
    _set(app, ApplicationStatus.NOMINATED)
    app_services.formal_check(staff, app, "return", ["材料不齐全"], "")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RETURNED and flow.allows(app, "withdraw")
    app_services.withdraw(applicant, app, "改投下一批次")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN and app.events.count() == events + 2


def test_withdraw_is_one_rule_for_the_service_and_the_page(province, nominating):
    """The applicant sees 撤回 exactly where the service lets it through: before review, not after."""
    app = nominating
    applicant = app.applicant_person.user
    page = client_for(applicant)
    button = f'action="/calls/applications/{app.pk}/withdraw/"'
    for status in ApplicationStatus.values:
        _set(app, status)
        html = page.get(f"/calls/applications/{app.pk}/").content.decode()
        allowed = Application.WORKFLOW.allows(app, "withdraw")
        assert (button in html) == allowed, status
        assert allowed == (status in {"draft", "submitted", "nominated", "returned", "formal_passed"}), status
        if allowed:
            assert 'data-confirm="撤回后这份申报不再参加本批次' in html
    _set(app, ApplicationStatus.UNDER_REVIEW)
    assert page.post(f"/calls/applications/{app.pk}/withdraw/", {"comment": "x"}).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW  # the post is refused too, nothing changed


def test_nominator_and_formal_buttons_follow_the_table(province, nominating):
    app = nominating
    city = client_for(province["users"]["demo-city-a"])
    url = f"/calls/applications/{app.pk}/"
    html = city.get(url).content.decode()
    assert 'value="nominate"' in html and 'value="decline"' in html and 'data-confirm="确定不予推荐' in html
    _set(app, ApplicationStatus.NOMINATED)
    html = city.get(url).content.decode()
    assert 'value="nominate"' not in html and 'value="decline"' not in html
    staff = client_for(province["users"]["demo-province"])
    Call.objects.filter(pk=app.call_id).update(current_stage="formal")
    html = staff.get(url).content.decode()
    assert 'value="pass"' in html and 'value="fail"' in html and 'data-confirm="形式审查不通过后' in html
    _set(app, ApplicationStatus.FORMAL_PASSED)
    assert 'value="fail"' not in staff.get(url).content.decode()


def test_forged_verdicts_are_chinese_messages_and_change_nothing(province, nominating):
    app = nominating
    Call.objects.filter(pk=app.call_id).update(current_stage="formal")
    _set(app, ApplicationStatus.NOMINATED)
    staff = client_for(province["users"]["demo-province"])
    resp = staff.post(f"/calls/applications/{app.pk}/formal/", {"verdict": "approve-all", "reasons": ["<x>"]},
                      follow=True)
    assert resp.status_code == 200 and "审查结论无效。" in resp.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.NOMINATED
    resp = staff.post(f"/calls/{app.call_id}/advance/", {"to": "nowhere"}, follow=True)
    assert resp.status_code == 200
    assert Call.objects.get(pk=app.call_id).current_stage == "formal"


def test_the_people_lists_are_formsets(province):
    call = make_call(province, nominate=False)
    person = make_person(province["city_a"], user=True)
    app = app_services.start_application(person.user, call, person=person)
    page = client_for(person.user)
    html = page.get(f"/calls/applications/{app.pk}/fill/").content.decode()
    assert 'name="avoid_requests-TOTAL_FORMS"' in html and 'name="collaborators-4-employer"' in html
    post = {"title": "储能材料", "f-summary": "成果", "f-keywords": "储能", "action": "save",
            **{f"{k}-{m}": v for k, n in (("avoid_requests", 3), ("collaborators", 5), ("relatives", 3))
               for m, v in (("TOTAL_FORMS", str(n)), ("INITIAL_FORMS", "0"))},
            "collaborators-0-name": "合作者甲", "collaborators-0-employer": "某大学", "collaborators-0-person": "abc"}
    resp = page.post(f"/calls/applications/{app.pk}/fill/", post)
    assert resp.status_code == 400 and "输入整数" in resp.content.decode()
    app.refresh_from_db()
    assert app.collaborators == []
    post["collaborators-0-person"] = ""
    assert page.post(f"/calls/applications/{app.pk}/fill/", post).status_code == 302
    app.refresh_from_db()
    assert app.collaborators == [{"name": "合作者甲", "employer": "某大学", "person_id": None}]
    html = page.get(f"/calls/applications/{app.pk}/fill/").content.decode()
    assert 'value="合作者甲"' in html
    no_management = {k: v for k, v in post.items() if "FORMS" not in k}
    resp = page.post(f"/calls/applications/{app.pk}/fill/", no_management)
    assert resp.status_code == 400  # a forged page: a message, nothing saved, no server error


# ---- appeals and project reports ------------------------------------------------------------------
def test_appeals_are_decided_once(province):
    call = funded_call(province, n=1)
    app = call.applications.order_by("pk").first()
    staff = province["users"]["demo-province"]
    _set(app, ApplicationStatus.UNDER_REVIEW)
    assert _refused(publication.lodge_appeal, app.applicant_person.user, app, "评分有误") == "结果发布后方可申请复审。"
    _set(app, ApplicationStatus.NOT_APPROVED)
    appeal = publication.lodge_appeal(app.applicant_person.user, app, "评分有误")
    for status in (AppealStatus.UPHELD, AppealStatus.REJECTED):
        Appeal.objects.filter(pk=appeal.pk).update(status=status)
        assert _refused(publication.decide_appeal, staff, appeal, "upheld", "改为入选") == "该复审已有决定。"
        app.refresh_from_db()
        assert app.status == ApplicationStatus.NOT_APPROVED
    Appeal.objects.filter(pk=appeal.pk).update(status=AppealStatus.LODGED)
    results = client_for(staff).get(f"/calls/{call.pk}/results/").content.decode()
    assert f'action="/calls/appeals/{appeal.pk}/"' in results
    publication.decide_appeal(staff, appeal, "upheld", "复核后总分计算有误")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    results = client_for(staff).get(f"/calls/{call.pk}/results/").content.decode()
    assert f'action="/calls/appeals/{appeal.pk}/"' not in results


def test_project_reports_are_judged_only_when_submitted(province):
    call = funded_call(province, n=1)
    staff = province["users"]["demo-province"]
    projects.establish(staff, call, starts=dt.date(2026, 1, 1))
    report = ProjectReport.objects.get(project__call=call, kind="midterm")
    project = report.project
    flow = ProjectReport.WORKFLOW
    page = client_for(staff)
    for status in _statuses_outside(flow, "pass"):
        ProjectReport.objects.filter(pk=report.pk).update(status=status)
        for verdict in ("pass", "return", "fail"):
            assert _refused(projects.judge_report, staff, report, verdict, "意见") == "只能审核已提交的报告。"
        report.refresh_from_db()
        assert report.status == status
        assert 'name="verdict" value="pass"' not in page.get(f"/calls/projects/{project.pk}/").content.decode()
    ProjectReport.objects.filter(pk=report.pk).update(status=ProjectReportStatus.PENDING)
    projects.submit_report(leader(project), report, midterm_data())
    for status in _statuses_outside(flow, "submit"):
        ProjectReport.objects.filter(pk=report.pk).update(status=status)
        assert "报告已提交" in _refused(projects.submit_report, leader(project), report, midterm_data())
    ProjectReport.objects.filter(pk=report.pk).update(status=ProjectReportStatus.SUBMITTED)
    html = page.get(f"/calls/projects/{project.pk}/").content.decode()
    assert 'name="verdict" value="pass"' in html and 'data-confirm="报告不通过将结束课题' in html
    projects.judge_report(staff, report, "fail", "进度严重滞后")
    project.refresh_from_db()
    assert project.status == "terminated"
    html = page.get(f"/calls/projects/{project.pk}/").content.decode()
    assert f'action="/calls/projects/{project.pk}/terminate/"' not in html  # nothing left to terminate


# ---- reports: submissions -------------------------------------------------------------------------
def test_submission_services_refuse_outside_the_table(province, campaign, county_user):  # noqa: F811
    sub = campaign.submissions.get(organisation=_county(province))
    city = _users(province)["demo-city-a"]
    flow = Submission.WORKFLOW
    for status in _statuses_outside(flow, "submit"):
        Submission.objects.filter(pk=sub.pk).update(status=status)
        assert _refused(report_services.submit, county_user, sub, GOOD) == "已提交的填报在审核前不能修改。"
    for status in _statuses_outside(flow, "withdraw"):
        Submission.objects.filter(pk=sub.pk).update(status=status)
        assert _refused(report_services.withdraw, county_user, sub) == "只有待审核的填报可以撤回。"
    for status in _statuses_outside(flow, "accept"):
        Submission.objects.filter(pk=sub.pk).update(status=status)
        assert _refused(report_services.accept, city, sub) == "只有已提交待审核的填报可以审核。"
        assert _refused(report_services.return_submission, city, sub, "有误") == "只有已提交待审核的填报可以审核。"
        sub.refresh_from_db()
        assert sub.status == status and sub.events.count() == 0 and sub.revision == 0


def test_submission_buttons_follow_the_table(province, campaign, county_user):  # noqa: F811
    """A reviewer of reports sees 退回/通过 only on a submitted submission; the filer sees 撤回 only then."""
    sub = campaign.submissions.get(organisation=_county(province))
    reviewer = client_for(_users(province)["demo-city-a"])
    filer = client_for(county_user)
    url = f"/reports/submissions/{sub.pk}/review/"
    for status in SubmissionStatus.values:
        Submission.objects.filter(pk=sub.pk).update(status=status)
        html = reviewer.get(url).content.decode()
        submitted = status == SubmissionStatus.SUBMITTED
        assert ('value="accept"' in html) == submitted and ('value="return"' in html) == submitted, status
        if submitted:
            assert 'data-confirm="确定退回这份填报吗' in html
        assert ('value="withdraw"' in filer.get(url).content.decode()) == submitted, status
    Submission.objects.filter(pk=sub.pk).update(status=SubmissionStatus.ACCEPTED)
    resp = reviewer.post(url, {"decision": "return", "comment": "再改改"})
    assert resp.status_code == 400 and "只有已提交待审核的填报可以审核。" in resp.content.decode()
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.ACCEPTED


def test_campaign_close_and_reopen_by_name(province, campaign):  # noqa: F811
    city = client_for(_users(province)["demo-city-a"])
    page = city.get(f"/reports/campaigns/{campaign.pk}/").content.decode()
    assert 'name="transition" value="close"' in page and 'data-confirm="结束后各单位' in page
    assert city.post(f"/reports/campaigns/{campaign.pk}/close/", {"transition": "reopen"}).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "open"  # reopening an open campaign is refused, not toggled
    city.post(f"/reports/campaigns/{campaign.pk}/close/", {"transition": "close"})
    campaign.refresh_from_db()
    assert campaign.status == "closed" and workflow_of(campaign).allows(campaign, "reopen")
    assert 'name="transition" value="reopen"' in city.get(f"/reports/campaigns/{campaign.pk}/").content.decode()
    assert city.post(f"/reports/campaigns/{campaign.pk}/close/", {"transition": "x"}).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "closed"


# ---- forms first: pages read their input through forms --------------------------------------------
def test_quota_page_reads_a_form(province):
    call = make_call(province)
    a = province["city_a"]
    admin = client_for(province["users"]["demo-province"])
    url = f"/calls/{call.pk}/quotas/"
    assert f'name="q-{a.pk}"' in admin.get(url).content.decode()
    resp = admin.post(url, {f"q-{a.pk}": "-1"}, follow=True)
    assert "推荐名额应为非负整数。" in resp.content.decode() and not call.quotas.exists()
    resp = admin.post(url, {f"q-{a.pk}": "很多"}, follow=True)
    assert "推荐名额应为非负整数。" in resp.content.decode() and not call.quotas.exists()
    assert admin.post(url, {f"q-{a.pk}": "2", "q-999999999": "5"}).status_code == 302  # unknown keys are ignored
    assert list(call.quotas.values_list("organisation_id", "places")) == [(a.pk, 2)]
    assert 'value="2"' in admin.get(url).content.decode()


def test_review_form_page_refuses_a_forged_recommendation(province):
    call = make_call(province, nominate=False)
    expert = make_person(province["city_a"], name="评审专家", user=True)
    person = make_person(province["city_a"], user=True)
    app = app_services.start_application(person.user, call, person=person)
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.UNDER_REVIEW)
    Call.objects.filter(pk=call.pk).update(current_stage="review_corr")
    assignment = apps.get_model("calls", "ReviewAssignment").objects.create(
        call=call, application=app, expert=expert, stage="review_corr", org_path=call.org_path)
    page = client_for(expert.user)
    url = f"/calls/reviews/{assignment.pk}/"
    assert 'data-confirm="提交后评审意见不能再修改' in page.get(url).content.decode()
    resp = page.post(url, {"s-innovation": "80", "s-impact": "70", "comment": "好", "recommendation": "maybe",
                           "action": "submit"})
    assert resp.status_code == 400 and "推荐意见无效。" in resp.content.decode()
    assert not apps.get_model("calls", "Review").objects.filter(assignment=assignment).exists()
    resp = page.post(url, {"s-innovation": "80", "s-impact": "70", "comment": "好", "recommendation": "recommend",
                           "action": "submit"})
    assert resp.status_code == 302
    review_row = apps.get_model("calls", "Review").objects.get(assignment=assignment)
    assert review_row.status == "submitted" and review_row.scores == {"innovation": 80, "impact": 70}
    assert 'name="action" value="submit"' not in page.get(url).content.decode()  # a submitted review is final
