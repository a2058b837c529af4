"""Browser journey of the society's half of the staff's working day (issue 15, "How it is checked"; headless
Chromium through Playwright): the province opens a report campaign for the societies on the campaign page, opens a
call on its page and gives the society places on the 推荐名额 page; the society sees both on its desk (工作台) and
in its notices, files the report from the desk and nominates an application within its quota.

What a journey cannot reasonably click is set up in Python through the services: a small published report form
with one number field, the call itself (with its expert library) and an application by a scientist of the
society, submitted with the society as nominator."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser import DESK, click_and_wait, log_in, page, seed, switch_to  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REPORT_FORM = {"sections": [{"key": "basic", "title": "基本情况", "fields": [
    {"key": "events", "label": "举办学术活动次数", "type": "number", "unit": "次", "min": 0, "decimals": 0,
     "max": 10000, "required": True}]}], "rules": []}
CALL_FORM = {"sections": [{"key": "basic", "title": "基本信息", "fields": [
    {"key": "summary", "label": "主要成就", "type": "text", "required": True}]}], "rules": []}
RUBRIC = [{"key": "innovation", "label": "创新性", "weight": 1, "max": 100, "guidance": "原创程度"}]
FORM_NAME = "学会活动简报（工作日）"
CAMPAIGN = "2026年学会活动简报（工作日）"
CALL_NAME = "2026年度学会推荐青年人才（工作日）"
TITLE = "高寒地区桥梁健康监测方法"


def set_up():
    """A published one-field report form of the province, and a call in draft (stages with 单位推荐, an expert
    library) that the province opens on its page."""
    from kexie.accounts.models import User
    from kexie.calls.experts import services as expert_services
    from kexie.calls.setup import services as setup_services
    from kexie.reports import services as report_services

    seed()
    staff = User.objects.get(username="demo-province")
    root = staff.assignments.get().organisation
    society = User.objects.get(username="demo-society").assignments.get().organisation
    form = report_services.create_form(staff, owner=root, code="society-day-brief", name=FORM_NAME,
                                       schema=REPORT_FORM)
    report_services.publish(staff, form.versions.get())
    library = expert_services.create_library(staff, owner=root, name="学会工作日专家库")
    today = dt.date.today()
    d = lambda n: (today + dt.timedelta(days=n)).isoformat()  # noqa: E731
    call = setup_services.create_call(
        staff, owner=root, code="society-day-call", name=CALL_NAME, year=2026, type="talent", applicant_kind="person",
        eligibility=[], form_schema=CALL_FORM, rubric=RUBRIC, expert_library=library, reviews_per_application=1,
        notice_days=5, stages=[{"code": "apply", "deadline": d(30)}, {"code": "nominate", "deadline": d(40)},
                               {"code": "formal", "deadline": d(50)}, {"code": "review_corr", "deadline": d(60)},
                               {"code": "result", "deadline": ""}])
    return staff, root, society, call


def submitted_application(call, society):
    """A scientist of the society applies with the society as nominator and submits (through the services)."""
    from kexie.calls.applications import services as app_services
    from kexie.core.services import SYSTEM
    from kexie.people.models import Person

    person = Person.objects.create(name="学会工作日申报人", org=society, org_path=society.path,
                                   birth_date=dt.date(1988, 3, 1))
    app = app_services.start_application(SYSTEM, call, person=person, nominator=society, title=TITLE)
    return app_services.submit(SYSTEM, app, {"summary": "建立了高寒桥梁的长期监测与预警方法"})


def desk_count(page, label: str) -> int:  # noqa: F811
    """The count the desk shows on the line ``label`` (0 when the line is not shown)."""
    row = page.locator("#desk-mine-table tr.todo", has_text=label)
    if row.count() == 0:
        return 0
    return int(row.locator("td.num").inner_text().replace(",", ""))


def test_the_society_sees_the_campaign_and_the_call_files_the_report_and_nominates(page, live_server):  # noqa: F811
    from kexie.calls.models import Application, Quota
    from kexie.reports.models import Campaign, Submission, SubmissionStatus

    staff, root, society, call = set_up()
    asked: list[str] = []  # destructive steps ask first (data-confirm); staff accept
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.set_viewport_size(DESK)

    # 1a. The province opens the report campaign for the societies on the campaign page.
    log_in(page, "demo-province")
    page.goto("/reports/campaigns/new/")
    page.get_by_label("报表版本").select_option(label=f"{FORM_NAME} · v1")
    page.get_by_label("任务名称").fill(CAMPAIGN)
    page.get_by_label("统计年度").fill("2026")
    page.get_by_label("发起单位编码（填报范围为其下级）").fill(root.code)
    page.locator("input[name=kinds][value=society]").check()
    click_and_wait(page, page.get_by_role("button", name="发起", exact=True))
    campaign = Campaign.objects.get(name=CAMPAIGN)
    filers = campaign.submissions.count()
    assert filers >= 1 and campaign.submissions.filter(organisation=society).exists()
    assert page.get_by_text(f"已发起填报任务，共 {filers} 个填报单位。").is_visible()
    assert page.url.endswith(f"/reports/campaigns/{campaign.pk}/")

    # 1b. The province opens the call on its page and gives the society two places on the 推荐名额 page.
    page.goto(f"/calls/{call.pk}/")
    assert page.locator("#open-problems").count() == 0
    click_and_wait(page, page.get_by_role("button", name="发布", exact=True))
    call.refresh_from_db()
    assert call.status == "open"
    assert page.get_by_role("button", name="进入下一阶段：单位推荐").is_visible()
    page.goto(f"/calls/{call.pk}/quotas/")
    page.get_by_label("添加推荐单位").fill(f"{society.code} {society.name}")
    page.get_by_label("名额", exact=True).fill("2")
    click_and_wait(page, page.get_by_role("button", name="保存", exact=True))
    quota_row = page.locator("#quota-rows tbody tr", has_text=society.name)
    assert quota_row.locator("input").input_value() == "2"
    assert quota_row.locator("td").nth(2).inner_text() == "0"  # none used yet
    assert Quota.objects.get(call=call, organisation=society).places == 2

    # A scientist of the society applies and submits; the province moves the call on to 单位推荐.
    app = submitted_application(call, society)
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：单位推荐"))
    assert page.get_by_text("已进入下一阶段。").is_visible()

    # 2. The society's desk shows the report to fill and the application to nominate; the notices name both.
    switch_to(page, "demo-society")
    page.goto("/")
    assert page.get_by_role("heading", name="工作台").is_visible()
    to_fill = Submission.objects.filter(organisation=society, campaign__status="open",
                                        campaign__opens_on__lte=dt.date.today(),
                                        status__in=("not_started", "draft", "returned")).count()
    assert to_fill >= 1
    assert page.locator("#desk-mine-table").get_by_role("link", name="本单位待填报的报表").is_visible()
    assert desk_count(page, "本单位待填报的报表") == to_fill
    assert page.locator("#desk-mine-table").get_by_role("link", name="待本单位推荐的申报").is_visible()
    assert desk_count(page, "待本单位推荐的申报") == 1
    page.goto("/notices/")
    assert page.get_by_text(f"新的填报任务：《{CAMPAIGN}》— {society.name}").first.is_visible()
    assert page.get_by_text(f"新的申报批次：{CALL_NAME}").first.is_visible()

    # 3. The society files the report from the desk link and submits; the desk count drops by one.
    sub = Submission.objects.get(campaign=campaign, organisation=society)
    page.goto("/")
    click_and_wait(page, page.locator("#desk-mine-table").get_by_role("link", name="本单位待填报的报表"))
    if f"/reports/submissions/{sub.pk}/" not in page.url:  # several reports to fill: the list, then ours
        click_and_wait(page, page.locator(f'#mine a[href="/reports/submissions/{sub.pk}/"]').first)
    page.locator("#fill-form").wait_for()
    page.locator("#f-events").fill("12")
    click_and_wait(page, page.locator("#fill-form").get_by_role("button", name="提交", exact=True))
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.SUBMITTED and sub.data["events"] == 12
    page.goto("/")
    assert desk_count(page, "本单位待填报的报表") == to_fill - 1

    # 4. The society nominates the application from the desk link; the quota shows one place used.
    click_and_wait(page, page.locator("#desk-mine-table").get_by_role("link", name="待本单位推荐的申报"))
    assert page.url.endswith(f"/calls/{call.pk}/nominations/")
    row = page.locator("#nominees tr", has_text=TITLE)
    assert row.get_by_text("已提交").is_visible()
    click_and_wait(page, row.get_by_role("button", name="推荐", exact=True))
    assert page.locator("#nominees tr", has_text=TITLE).get_by_text("已推荐").is_visible()
    quota = page.locator("#quotas tr", has_text=society.name).locator("td")
    assert [quota.nth(i).inner_text().strip() for i in (1, 2)] == ["2", "1"]  # places, used
    assert Application.objects.get(pk=app.pk).status == "nominated"
    page.goto("/")
    assert desk_count(page, "待本单位推荐的申报") == 0
    switch_to(page, "demo-province")
    page.goto(f"/calls/{call.pk}/quotas/")
    assert page.locator("#quota-rows tbody tr", has_text=society.name).locator("td").nth(2).inner_text() == "1"
