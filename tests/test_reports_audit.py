"""Reports that check like an auditor (issue 15 item 7): every problem at once (a refused attachment no longer
hides the others, a rule is judged whenever its own figures are valid), dates inside the report year, and last
year's figure beside this year's with a warning beyond the campaign's share — a warning, never a block."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kexie.core.services import SYSTEM
from kexie.formkit import schema as S
from kexie.reports import services
from kexie.reports.models import SubmissionStatus
from tests.conftest import login
from tests.test_reports import GOOD, SCHEMA, _county, _users, campaign, county_user, version  # noqa: F401

pytestmark = pytest.mark.django_db

DATED = copy.deepcopy(SCHEMA)
DATED["sections"][0]["fields"].append(
    {"key": "meetings", "label": "会议", "type": "table", "columns": [
        {"key": "title", "label": "会议名称", "type": "text"},
        {"key": "held_on", "label": "举办日期", "type": "date", "in_year": True}]})
DATED["sections"][0]["fields"].append({"key": "closed_on", "label": "结算日期", "type": "date", "in_year": True})


def test_a_rule_is_judged_even_when_another_field_fails():
    result = S.clean(SCHEMA, {**GOOD, "individual": 101, "ratio": "abc", "note": "说明" * 10}, submit=True)
    assert "个人会员数不能超过会员总数" in result.errors[S.ALL]
    assert result.errors["ratio"] and result.errors["note"]
    # a rule whose own figure failed says nothing (it cannot be judged), the field's error says what is wrong
    only = S.clean(SCHEMA, {**GOOD, "individual": "x"}, submit=True)
    assert S.ALL not in only.errors and only.errors["individual"]


def test_dates_marked_in_year_must_fall_in_the_report_year():
    raw = {**GOOD, "meetings": [{"title": "年会", "held_on": "2024-12-30"}, {"title": "论坛", "held_on": "2025-03-02"}],
           "closed_on": "2026-01-05"}
    result = S.clean(DATED, raw, submit=True, year=2025)
    assert "“会议”第 1 行：“举办日期”应在统计年度 2025 年内，填的是 2024-12-30。" in result.errors["meetings"]
    assert len(result.errors["meetings"]) == 1
    assert result.errors["closed_on"] == ["“结算日期”应在统计年度 2025 年内，填的是 2026-01-05。"]
    assert S.clean(DATED, raw, submit=True).ok  # no year given (calls, projects): not checked
    raw["meetings"][0]["held_on"], raw["closed_on"] = "2025-12-30", "2025-12-31"
    assert S.clean(DATED, raw, submit=True, year=2025).ok


def test_the_fill_page_shows_every_problem_at_once(province, campaign, county_user):  # noqa: F811
    client = login("county-staff")
    sub = campaign.submissions.get(organisation=_county(province))
    upload = SimpleUploadedFile("report.exe", b"MZ", content_type="application/octet-stream")
    resp = client.post(f"/reports/submissions/{sub.pk}/", {
        "f-total_members": "50", "f-individual": "60", "f-kind": "甲", "f-ratio": "abc", "f-note": "太长" * 10,
        "t-events-0-name": "年会", "t-events-0-people": "3", "action": "submit", "file-report": upload})
    html = resp.content.decode()
    assert resp.status_code == 400
    for message in ("“年度报告”只接受 pdf 格式的文件。", "“占比”应为数字，填写的是“abc”。", "个人会员数不能超过会员总数"):
        assert message in html, message
    assert "“说明”" in html  # the over-long note too
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.NOT_STARTED and not sub.data


def test_last_years_figure_shows_beside_this_years_with_a_warning_beyond_the_share(province, version, county_user):  # noqa: F811
    today = timezone.localdate()
    city_user, county = _users(province)["demo-city-a"], _county(province)

    def run(year: int, share: int = 50):
        return services.create_campaign(city_user, version=version, name=f"{year}年测试任务", year=year,
                                        root=province["city_a"], kinds=["kx"], levels=["county"],
                                        opens_on=today - dt.timedelta(days=10), deadline=today + dt.timedelta(days=3),
                                        jump_share=share)

    last, this = run(2024), run(2025, share=30)
    before = last.submissions.get(organisation=county)
    services.submit(SYSTEM, before, {**GOOD, "total_members": 14, "individual": 10})
    sub = this.submissions.get(organisation=county)
    client = login("county-staff")
    post = {"f-total_members": "99999", "f-individual": "12", "f-kind": "甲", "t-events-0-name": "年会",
            "t-events-0-people": "30"}
    html = client.post(f"/reports/submissions/{sub.pk}/", {**post, "action": "validate"}).content.decode()
    assert "上年：14" in html and "上年：10" in html
    assert "比上年（14）增加 714,179%，超过 30% 的提醒线，请核实后再提交。" in html
    assert "比上年（10）增加 20%" not in html  # within the share: no warning
    assert client.post(f"/reports/submissions/{sub.pk}/", {**post, "action": "submit"}).status_code == 302  # not a block
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.SUBMITTED
    review = login("demo-city-a").get(f"/reports/submissions/{sub.pk}/review/").content.decode()
    assert "上年：14" in review and "超过 30% 的提醒线" in review  # the reviewer sees it too
    # another organisation's last year is never shown (the one scope helper; same form, same year)
    other = this.submissions.exclude(organisation=county).first()
    assert services.year_on_year(SCHEMA, {}, None, 30) == ({}, {})
    assert services.previous_year(city_user, other) is None


def test_campaign_form_takes_the_share(province, version):  # noqa: F811
    client = login("demo-city-a")
    page = client.get("/reports/campaigns/new/").content.decode()
    assert "同比变化提醒线（%）" in page


def test_a_campaign_that_opens_tells_its_filers_once(province, version, county_user):  # noqa: F811
    """Notices when work opens (issue 15 item 2): the filer's staff learn of a campaign open now at once, of one
    opening later on its day (the daily job), never twice, and never of one already past its deadline."""
    from kexie.notices.models import Notification
    from kexie.reports.services import announce_opening, send_reminders

    today = timezone.localdate()
    city_user = _users(province)["demo-city-a"]

    def run(name: str, opens: dt.date, deadline: dt.date):
        return services.create_campaign(city_user, version=version, name=name, year=2025, root=province["city_a"],
                                        kinds=["kx"], levels=["county"], opens_on=opens, deadline=deadline)

    now = run("即开任务", today, today + dt.timedelta(days=20))
    mine = Notification.objects.filter(user=county_user, key__startswith=f"reports:opened:{now.pk}:")
    assert mine.count() == 1
    note = mine.get()
    assert note.title == f"新的填报任务：《即开任务》— {_county(province).name}" and note.url.startswith("/reports/")
    assert announce_opening(now) == 0  # once
    later = run("下周任务", today + dt.timedelta(days=7), today + dt.timedelta(days=30))
    assert not Notification.objects.filter(key__startswith=f"reports:opened:{later.pk}:").exists()
    send_reminders(today + dt.timedelta(days=7))
    assert Notification.objects.filter(user=county_user, key__startswith=f"reports:opened:{later.pk}:").count() == 1
    past = run("旧任务", today - dt.timedelta(days=60), today - dt.timedelta(days=30))
    assert not Notification.objects.filter(key__startswith=f"reports:opened:{past.pk}:").exists()
