"""数据填报 (SPEC §3.2): schemas and validation in Chinese, rules, drafts and submission, versions,
campaigns by selector and scope, the review loop with its history, prefill, reminders, aggregation
against a direct computation, exports cell by cell, Excel import all-or-nothing, scope on pages."""

from __future__ import annotations

import copy
import datetime as dt
import io
from collections import defaultdict

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone

from kexie.accounts.models import User
from kexie.accounts.services import grant_role
from kexie.core.scope import prefix_q
from kexie.core.services import SYSTEM
from kexie.formkit import schema as S
from kexie.notices.models import Notification
from kexie.orgs.models import Level, Organisation
from kexie.reports import aggregate as agg
from kexie.reports import excel, figures, presets, registry, services
from kexie.reports.models import (
    Campaign,
    EventAction,
    FormVersion,
    ReportForm,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
    SubmissionValue,
    VersionStatus,
)
from tests.conftest import login

SCHEMA = {
    "sections": [{"key": "main", "title": "基本情况", "fields": [
        {"key": "total_members", "label": "会员总数", "type": "number", "unit": "人", "min": 0, "max": 100000,
         "required": True},
        {"key": "individual", "label": "个人会员数", "type": "number", "min": 0, "required": True,
         "prefill": "individual_members"},
        {"key": "ratio", "label": "占比", "type": "number", "min": 0, "max": 100, "decimals": 2},
        {"key": "note", "label": "说明", "type": "text", "max_length": 10},
        {"key": "kind", "label": "类别", "type": "choice", "choices": ["甲", "乙"], "required": True},
        {"key": "held", "label": "成立日期", "type": "date", "min": "2000-01-01"},
        {"key": "report", "label": "年度报告", "type": "file", "extensions": ["pdf"], "max_size": 1000},
        {"key": "events", "label": "活动", "type": "table", "max_rows": 3, "columns": [
            {"key": "name", "label": "活动名称", "type": "text", "required": True},
            {"key": "people", "label": "参加人数", "type": "number", "min": 0},
            {"key": "level", "label": "级别", "type": "choice", "choices": ["国际", "全国"]}]},
    ]}],
    "rules": [{"expr": "individual <= total_members", "message": "个人会员数不能超过会员总数"},
              {"expr": "events.rows < 2 or events.people >= 10", "message": "两次以上活动时参加人数合计应不少于 10"}],
}
GOOD = {"total_members": 100, "individual": 80, "kind": "甲", "events": [{"name": "年会", "people": 30}]}


def _users(province):
    return province["users"]


def _county(province, city="city_a"):
    return (Organisation.objects.filter(prefix_q("path", [province[city].path]), kind__code="kx",
                                        level=Level.COUNTY).order_by("path").first())


@pytest.fixture
def version(province):
    admin = _users(province)["demo-province"]
    form = services.create_form(admin, owner=province["root"], code="test_form", name="测试报表", schema=SCHEMA)
    return services.publish(admin, form.versions.get())


@pytest.fixture
def campaign(province, version):
    """Every county 科协 of city A, run by city A."""
    today = timezone.localdate()
    return services.create_campaign(_users(province)["demo-city-a"], version=version, name="测试任务", year=2025,
                                    root=province["city_a"], kinds=["kx"], levels=[Level.COUNTY],
                                    opens_on=today - dt.timedelta(days=10), deadline=today + dt.timedelta(days=3),
                                    remind_days=[3, 1])


@pytest.fixture
def county_user(province):
    county = _county(province)
    user = User.objects.create(username="county-staff", email="county@example.org")
    grant_role(SYSTEM, user, county, "staff")
    return user


# ---- schema -------------------------------------------------------------------------------------
def test_schema_checks_name_each_problem():
    assert S.check_schema(SCHEMA, prefill=registry.METRICS) == []  # reports pre-fill from registry figures
    for p in presets.names():
        assert S.check_schema(presets.load(p)["schema"], prefill=registry.METRICS) == [], p
    bad = copy.deepcopy(SCHEMA)
    fields = bad["sections"][0]["fields"]
    fields.append({"key": "total_members", "label": "重复", "type": "number"})
    fields.append({"key": "x1", "label": "未知", "type": "money"})
    fields.append({"key": "x2", "label": "无选项", "type": "choice", "choices": []})
    fields.append({"key": "x3", "label": "嵌套", "type": "table", "columns": [
        {"key": "inner", "label": "内表", "type": "table", "columns": []}]})
    fields.append({"key": "Bad-Key", "label": "键", "type": "text"})
    fields.append({"key": "x4", "label": "预填", "type": "number", "prefill": "no_such_metric"})
    bad["rules"] += [{"expr": "individual <= nobody"}, {"expr": "__import__('os').system('x') == 0"},
                     {"expr": "note <= 3"}, {"expr": "individual <="}, {"expr": "(lambda: 1)() == 1"}]
    problems = "\n".join(S.check_schema(bad, prefill=registry.METRICS))
    for text in ("字段的键“total_members”重复", "字段“x1”的类型“money”未知", "选项字段“x2”没有选项",
                 "表格“x3”的列“inner”不能是表格", "字段的键“Bad-Key”无效", "预填来源“no_such_metric”未知",
                 "引用了未知的数值字段：nobody", "__import__('os').system('x') == 0”中", "引用了未知的数值字段：note",
                 "规则“individual <=”的语法有误", "(lambda: 1)() == 1”中含有不允许的内容"):
        assert text in problems, text


@pytest.mark.parametrize("raw,key,message", [
    ({"total_members": "abc"}, "total_members", "“会员总数”应为数字，填写的是“abc”。"),
    ({"total_members": True}, "total_members", "“会员总数”应为数字。"),
    ({"total_members": -1}, "total_members", "“会员总数”不能小于 0。"),
    ({"total_members": 100001}, "total_members", "“会员总数”不能大于 100000。"),
    ({"total_members": "1.5"}, "total_members", "“会员总数”应为整数。"),
    ({"ratio": "12.345"}, "ratio", "“占比”最多保留 2 位小数。"),
    ({"note": "一二三四五六七八九十十"}, "note", "“说明”不能超过 10 个字（现有 11 个）。"),
    ({"kind": "丙"}, "kind", "“类别”应为以下选项之一：甲、乙。"),
    ({"held": "2024-02-30"}, "held", "“成立日期”应为日期（如 2024-05-01），填写的是“2024-02-30”。"),
    ({"held": "1999-12-31"}, "held", "“成立日期”不能早于 2000-01-01。"),
    ({"report": {"name": "a.exe", "path": "x", "size": 10}}, "report", "“年度报告”只接受 pdf 格式的文件。"),
    ({"report": {"name": "a.pdf", "path": "x", "size": 5000}}, "report", "“年度报告”的文件大小不能超过 0 MB。"),
    ({"events": [{"name": "a"}] * 4}, "events", "“活动”最多 3 行，现有 4 行。"),
    ({"events": [{"name": "a"}, {"name": "b", "people": "x"}]}, "events", "“活动”第 2 行：“参加人数”应为数字，填写的是“x”。"),
    ({"events": [{"name": "a", "level": "省级"}]}, "events", "“活动”第 1 行：“级别”应为以下选项之一：国际、全国。"),
])
def test_each_type_is_validated_with_a_chinese_message(raw, key, message):
    result = S.clean(SCHEMA, raw, submit=False)
    assert message in result.errors[key]


def test_values_are_typed():
    result = S.clean(SCHEMA, {"total_members": "1,200", "ratio": "3.5", "held": "2021年3月5日", "kind": " 乙 ",
                              "events": [{"name": " 年会 ", "people": "12"}, {"name": "", "people": ""}]},
                     submit=False)
    assert result.ok
    assert result.data == {"total_members": 1200, "ratio": 3.5, "held": "2021-03-05", "kind": "乙",
                           "events": [{"name": "年会", "people": 12}]}  # the blank row is dropped


def test_required_only_on_submit_and_rules_on_submit():
    assert S.clean(SCHEMA, {"ratio": 1}, submit=False).ok
    result = S.clean(SCHEMA, {"ratio": 1}, submit=True)
    assert result.errors["total_members"] == ["“会员总数”为必填项。"]
    assert result.errors["kind"] == ["“类别”为必填项。"]
    assert "“活动”第 1 行：“活动名称”为必填项。" in S.clean(SCHEMA, {**GOOD, "events": [{"people": 3}]},
                                                          submit=True).errors["events"]
    broken = S.clean(SCHEMA, {**GOOD, "individual": 101}, submit=True)
    assert broken.errors[S.ALL] == ["个人会员数不能超过会员总数"]
    assert S.clean(SCHEMA, {**GOOD, "individual": 101}, submit=False).ok  # drafts are not held to rules
    two = {**GOOD, "events": [{"name": "a", "people": 4}, {"name": "b", "people": 5}]}
    assert S.clean(SCHEMA, two, submit=True).errors[S.ALL] == ["两次以上活动时参加人数合计应不少于 10"]
    two["events"][1]["people"] = 6
    assert S.clean(SCHEMA, two, submit=True).ok


def test_rule_evaluator():
    known = {"a", "b", "t.rows", "t.x"}
    data = {"a": 6, "b": 3, "t": [{"x": 1}, {"x": 2.5}]}
    for expr, expected in [("a / b == 2", True), ("a - b * 2 == 0", True), ("-a < b", True),
                           ("t.rows == 2 and t.x == 3.5", True), ("a < b or t.x > 3", True),
                           ("a < b or t.x > 4", False), ("0.1 + 0.2 == 0.3", True), ("b <= a <= 6", True),
                           ("not a > b", False)]:
        assert S.Rule.parse(expr, known).holds(data) is expected, expr
    assert S.Rule.parse("a / (b - 3) > 1", known).holds(data) is None  # division by zero: not judged
    assert S.Rule.parse("a <= b", known).holds({"a": 1}) is None  # empty figure: not judged
    for expr in ("a.__class__ == 1", "open('x') == 1", "[a][0] == 1", "a if b else b", "'x' == 'x'", "a ** 2 > 1",
                 "a", "a.b.c > 1"):
        with pytest.raises(S.RuleError):
            S.Rule.parse(expr, known)


# ---- versions and campaigns ---------------------------------------------------------------------
@pytest.mark.django_db
def test_published_versions_are_immutable_and_campaigns_pinned(province, version, campaign):
    admin = _users(province)["demo-province"]
    with pytest.raises(ValidationError, match="已发布的版本不能修改"):
        services.save_schema(admin, version, {"sections": [], "rules": []})
    draft = services.new_version(admin, version.form)
    assert draft.number == 2 and draft.status == VersionStatus.DRAFT and draft.schema == version.schema
    with pytest.raises(ValidationError, match="已有未发布的草稿版本"):
        services.new_version(admin, version.form)
    changed = copy.deepcopy(draft.schema)
    changed["sections"][0]["fields"].pop(0)
    with pytest.raises(ValidationError):  # the rule refers to the removed field
        services.save_schema(admin, draft, changed)
    changed["rules"] = []
    services.save_schema(admin, draft, changed)
    services.publish(admin, draft)
    campaign.refresh_from_db()
    assert campaign.version_id == version.pk
    assert FormVersion.objects.get(pk=version.pk).schema == SCHEMA
    with pytest.raises(ValidationError, match="只能使用已发布的报表版本"):
        services.create_campaign(admin, version=services.new_version(admin, version.form), name="x", year=2025,
                                 root=province["root"], opens_on=dt.date(2025, 1, 1), deadline=dt.date(2025, 2, 1))


def last_years(code: str) -> Campaign:
    """The seeded campaign of last year's annual report (the seed also opens this year's society report)."""
    return Campaign.objects.get(version__form__code=code, year=timezone.localdate().year - 1)


@pytest.mark.django_db
def test_campaign_materialises_one_submission_per_matching_live_org(province, version, campaign):
    expected = set(Organisation.objects.alive().filter(prefix_q("path", [province["city_a"].path]), kind__code="kx",
                                                       level=Level.COUNTY).values_list("pk", flat=True))
    got = set(campaign.submissions.values_list("organisation_id", flat=True))
    assert got == expected and len(got) >= 2
    assert all(s.org_path == s.organisation.path for s in campaign.submissions.select_related("organisation"))
    assert campaign.selector == {"root": province["city_a"].pk, "kinds": ["kx"], "levels": ["county"],
                                 "include_root": False}
    user_a = _users(province)["demo-city-a"]
    with pytest.raises(PermissionDenied):  # the root must be in the creator's change scope
        services.create_campaign(user_a, version=version, name="越权", year=2025, root=province["city_b"],
                                 opens_on=dt.date(2025, 1, 1), deadline=dt.date(2025, 2, 1))
    with pytest.raises(ValidationError, match="没有符合条件的组织"):
        services.create_campaign(user_a, version=version, name="空", year=2025, root=province["city_a"],
                                 kinds=["society"], opens_on=dt.date(2025, 1, 1), deadline=dt.date(2025, 2, 1))


# ---- filling and review -------------------------------------------------------------------------
@pytest.mark.django_db
def test_prefill_from_the_registry(province, version):
    society = province["society"]
    admin = _users(province)["demo-province"]
    c = services.create_campaign(admin, version=version, name="学会", year=2025, root=province["root"],
                                 kinds=["society"], levels=["province"], opens_on=dt.date(2025, 1, 1),
                                 deadline=dt.date(2025, 2, 1))
    sub = c.submissions.get(organisation=society)
    assert sub.data == {}
    opened = services.open_for_filling(_users(province)["demo-society"], sub)
    expected = registry.values(["individual_members"], [society])[society.pk]["individual_members"]
    assert expected > 0 and opened.data == {"individual": int(expected)}
    assert opened.status == SubmissionStatus.NOT_STARTED
    # a value the filer typed is never overwritten; a viewer without change rights does not write
    Submission.objects.filter(pk=sub.pk).update(data={"individual": 1})
    assert services.open_for_filling(_users(province)["demo-society"], sub).data == {"individual": 1}


@pytest.mark.django_db
def test_review_loop_keeps_history_and_checks_who_may_review(province, campaign, county_user):
    county = _county(province)
    sub = campaign.submissions.get(organisation=county)
    city_user = _users(province)["demo-city-a"]
    other_city = _users(province)["demo-city-b"]

    with pytest.raises(services.SubmissionInvalid) as err:
        services.submit(county_user, sub, {"total_members": 10})
    assert "“类别”为必填项。" in err.value.result.errors["kind"]
    services.save_draft(county_user, sub, {"total_members": 10})
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.DRAFT and sub.data == {"total_members": 10}
    with pytest.raises(services.SubmissionInvalid):
        services.save_draft(county_user, sub, {"total_members": "十"})
    sub.refresh_from_db()
    assert sub.data == {"total_members": 10}  # a malformed draft saves nothing

    services.submit(county_user, sub, GOOD)
    sub.refresh_from_db()
    assert (sub.status, sub.revision) == (SubmissionStatus.SUBMITTED, 1)
    assert dict(SubmissionValue.objects.filter(submission=sub).values_list("key", "value")) == figures.all_figures(GOOD)
    assert Notification.objects.filter(user=city_user, key__startswith=f"reports:submitted:{sub.pk}:").count() == 1
    with pytest.raises(ValidationError):
        services.save_draft(county_user, sub, GOOD)  # no edits while waiting for review

    assert not services.can_review(county_user, sub)  # the filer's own staff cannot review
    with pytest.raises(PermissionDenied):
        services.accept(county_user, sub)
    with pytest.raises(PermissionDenied):
        services.accept(other_city, sub)
    with pytest.raises(ValidationError, match="退回时必须填写退回意见"):
        services.return_submission(city_user, sub, "  ")
    services.return_submission(city_user, sub, "个人会员数有误")
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.RETURNED and sub.comment == "个人会员数有误"
    assert not SubmissionValue.objects.filter(submission=sub).exists()
    assert Notification.objects.filter(user=county_user, title__contains="退回").count() == 1

    fixed = {**GOOD, "individual": 70}
    services.submit(county_user, sub, fixed)
    services.accept(city_user, sub, "同意")
    sub.refresh_from_db()
    assert (sub.status, sub.revision, sub.reviewed_by) == (SubmissionStatus.ACCEPTED, 2, city_user)
    events = list(sub.events.order_by("at", "id"))
    assert [e.action for e in events] == [EventAction.SUBMITTED, EventAction.RETURNED, EventAction.SUBMITTED,
                                         EventAction.ACCEPTED]
    assert events[0].data["individual"] == 80 and events[2].data["individual"] == 70
    assert events[1].comment == "个人会员数有误"
    assert Notification.objects.filter(user=county_user, title__contains="填报已通过").count() == 1
    # the campaign owner's staff may always review; the parent may too
    owner_staff = User.objects.create(username="owner-staff")
    grant_role(SYSTEM, owner_staff, province["city_a"], "staff")
    assert services.can_review(owner_staff, sub)


@pytest.mark.django_db
def test_a_user_holding_the_filer_and_its_parent_may_review(province, campaign, county_user):
    sub = campaign.submissions.get(organisation=_county(province))
    assert not services.can_review(county_user, sub)
    grant_role(SYSTEM, county_user, province["city_a"], "staff")
    assert services.can_review(county_user, sub)


# ---- reminders ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_reminders_once_per_key_to_the_filers_users(province, campaign, county_user):
    Campaign.objects.exclude(pk=campaign.pk).update(status="closed")
    county = _county(province)
    others = list(campaign.submissions.exclude(organisation=county))
    done = others[0]
    services.submit(SYSTEM, done, GOOD, notify_reviewers=False)
    other_user = User.objects.create(username="other-county")
    grant_role(SYSTEM, other_user, done.organisation, "staff")
    day = campaign.deadline - dt.timedelta(days=3)
    first = services.send_reminders(day)
    assert first["notices"] >= 1
    mine = Notification.objects.filter(user=county_user, key__startswith=f"reports:remind:{campaign.pk}:")
    assert mine.count() == 1 and "还有 3 天" in mine.get().title
    assert not Notification.objects.filter(user=other_user, key__startswith="reports:remind").exists()
    assert not Notification.objects.filter(user=_users(province)["demo-city-a"], key__startswith="reports:remind").exists()
    assert services.send_reminders(day)["notices"] == 0  # idempotent
    assert services.send_reminders(day + dt.timedelta(days=1))["notices"] == 0  # 2 days left: not a reminder day
    services.send_reminders(campaign.deadline - dt.timedelta(days=1))
    services.send_reminders(campaign.deadline + dt.timedelta(days=1))
    services.send_reminders(campaign.deadline + dt.timedelta(days=2))
    keys = sorted(Notification.objects.filter(user=county_user).values_list("key", flat=True))
    assert keys == [f"reports:remind:{campaign.pk}:{county.pk}:{k}" for k in ("d1", "d3", "overdue")]
    from kexie.reports.tasks import send_report_reminders

    assert send_report_reminders.call()["notices"] == 0  # today (before the reminder days) sends nothing new


# ---- aggregation --------------------------------------------------------------------------------
def _direct(campaign, node, key, statuses, user=None):
    subs = Submission.objects.filter(campaign=campaign, status__in=statuses).filter(prefix_q("org_path", [node.path]))
    if user is not None:
        subs = subs.filter(pk__in=Submission.objects.for_user(user))
    by_child = defaultdict(list)
    width = len(node.path) + Organisation.steplen
    for s in subs:
        v = figures.figure(s.data, key)
        if v is not None:
            by_child[s.org_path[:width]].append(v)
    return by_child


@pytest.mark.django_db
@pytest.mark.parametrize("include", [False, True])
def test_aggregate_matches_a_direct_computation_with_drill_down(province, include):
    admin = _users(province)["demo-province"]
    campaign = Campaign.objects.get(version__form__code="county_annual")
    statuses = agg.statuses_for(include)
    keys = ["budget", "township_associations", "literacy_rate"]
    result = agg.aggregate(admin, campaign, province["root"], keys, include_submitted=include)
    cities = {o.path: o for o in Organisation.objects.filter(depth=2, kind__code="kx")}
    assert {r.path for r in result.rows} <= set(cities) and len(result.rows) >= 2
    for key in keys:
        direct = _direct(campaign, province["root"], key, statuses)
        whole = sum(sum(v) for v in direct.values())
        for row in result.rows:
            values = direct.get(row.path, [])
            st = row.stats[key]
            assert st.sum == pytest.approx(sum(values)) and st.count == len(values)
            assert st.mean == (pytest.approx(sum(values) / len(values)) if values else None)
            assert st.share == pytest.approx(sum(values) / whole)
        assert result.total.stats[key].sum == pytest.approx(whole)
    for row in result.rows:
        assert row.filers == Submission.objects.filter(campaign=campaign, org_path__startswith=row.path).count()
    # drill down: city A → one row per county, each a leaf that opens its submission
    city_a = province["city_a"]
    down = agg.aggregate(admin, campaign, city_a, keys, include_submitted=include)
    subs = {s.org_path: s.pk for s in Submission.objects.filter(campaign=campaign, org_path__startswith=city_a.path)}
    assert {r.path for r in down.rows} == set(subs)
    assert all(r.leaf and r.submission_id == subs[r.path] for r in down.rows)
    a_row = next(r for r in result.rows if r.path == city_a.path)
    assert down.total.stats["budget"].sum == pytest.approx(a_row.stats["budget"].sum)


@pytest.mark.django_db
def test_aggregate_is_scoped(province):
    user_a = _users(province)["demo-city-a"]
    campaign = Campaign.objects.get(version__form__code="county_annual")
    result = agg.aggregate(user_a, campaign, province["root"], ["budget"], include_submitted=True)
    assert [r.path for r in result.rows] == [province["city_a"].path]
    direct = _direct(campaign, province["root"], "budget", agg.statuses_for(True), user_a)
    assert result.total.stats["budget"].sum == pytest.approx(sum(sum(v) for v in direct.values()))
    html = login("demo-city-a").get(f"/reports/campaigns/{campaign.pk}/aggregate/?keys=budget").content.decode()
    assert province["city_a"].name in html and province["city_b"].name not in html


# ---- pages --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_pages_render(province):
    client = login("demo-province")
    campaign = last_years("society_annual")
    sub = campaign.submissions.filter(status=SubmissionStatus.SUBMITTED).first()
    version = campaign.version
    for url in ["/reports/", f"/reports/campaigns/{campaign.pk}/", f"/reports/campaigns/{campaign.pk}/?status=accepted",
                f"/reports/campaigns/{campaign.pk}/aggregate/", f"/reports/submissions/{sub.pk}/review/",
                "/reports/forms/", f"/reports/forms/{version.form_id}/", f"/reports/versions/{version.pk}/",
                "/reports/campaigns/new/", f"/reports/campaigns/{campaign.pk}/import/"]:
        assert client.get(url).status_code == 200, url
    board = client.get(f"/reports/campaigns/{campaign.pk}/").content.decode()
    assert "已通过" in board and "未填报" in board and "逾期" in board
    review = client.get(f"/reports/submissions/{sub.pk}/review/").content.decode()
    assert "退回修改" in review and sub.organisation.name in review


@pytest.mark.django_db
def test_fill_page_saves_validates_submits_and_adds_rows(province, campaign, county_user):
    client = login("county-staff")
    sub = campaign.submissions.get(organisation=_county(province))
    page = client.get(f"/reports/submissions/{sub.pk}/")
    assert page.status_code == 200 and "会员总数" in page.content.decode()
    rows = client.post(f"/reports/submissions/{sub.pk}/rows/", {"table": "events", "op": "add",
                                                                 "t-events-0-name": "年会"}, HTTP_HX_REQUEST="true")
    html = rows.content.decode()
    assert 'name="t-events-1-name"' in html and 'value="年会"' in html
    removed = client.post(f"/reports/submissions/{sub.pk}/rows/", {"table": "events", "op": "remove", "row": "0",
                                                                   "t-events-0-name": "甲", "t-events-1-name": "乙"})
    assert 'value="乙"' in removed.content.decode() and 'value="甲"' not in removed.content.decode()
    post = {"f-total_members": "abc", "f-kind": "甲", "t-events-0-name": "年会", "t-events-0-people": "3"}
    bad = client.post(f"/reports/submissions/{sub.pk}/", {**post, "action": "save"})
    assert bad.status_code == 400 and "“会员总数”应为数字，填写的是“abc”。" in bad.content.decode()
    post["f-total_members"] = "50"
    assert client.post(f"/reports/submissions/{sub.pk}/", {**post, "action": "save"}).status_code == 302
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.DRAFT and sub.data["events"] == [{"name": "年会", "people": 3}]
    check = client.post(f"/reports/submissions/{sub.pk}/", {**post, "f-individual": "60", "action": "validate"})
    assert "个人会员数不能超过会员总数" in check.content.decode()
    upload = SimpleUploadedFile("report.exe", b"MZ", content_type="application/octet-stream")
    bad_file = client.post(f"/reports/submissions/{sub.pk}/", {**post, "f-individual": "40", "action": "submit",
                                                               "file-report": upload})
    assert "“年度报告”只接受 pdf 格式的文件。" in bad_file.content.decode()
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4 tiny", content_type="application/pdf")
    done = client.post(f"/reports/submissions/{sub.pk}/", {**post, "f-individual": "40", "action": "submit",
                                                           "file-report": pdf})
    assert done.status_code == 302
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.SUBMITTED and sub.data["report"]["name"] == "report.pdf"
    got = client.get(f"/reports/submissions/{sub.pk}/file/?key=report")
    assert b"".join(got.streaming_content) == b"%PDF-1.4 tiny"
    # the parent reviews through the page
    city = login("demo-city-a")
    assert city.post(f"/reports/submissions/{sub.pk}/review/", {"decision": "return", "comment": ""}).status_code == 400
    assert city.post(f"/reports/submissions/{sub.pk}/review/", {"decision": "return", "comment": "请补充"}).status_code == 302
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.RETURNED
    assert client.post(f"/reports/submissions/{sub.pk}/review/", {"decision": "accept"}).status_code == 403


@pytest.mark.django_db
def test_version_editor(province):
    client = login("demo-province")
    assert client.post("/reports/forms/", {"code": "editor_test", "name": "编辑器测试", "period": "annual",
                                           "owner": province["root"].code}).status_code == 302
    form = ReportForm.objects.get(code="editor_test")
    version = form.versions.get()
    url = f"/reports/versions/{version.pk}/edit/"
    client.post(url, {"op": "add_section", "s-key": "base", "s-title": "基本"})
    client.post(url, {"op": "save_field", "prefix": "n-base", "n-base-section": "base", "n-base-key": "total",
                      "n-base-label": "总数", "n-base-type": "number", "n-base-min": "0", "n-base-required": "on"})
    client.post(url, {"op": "save_field", "prefix": "n-base", "n-base-section": "base", "n-base-key": "part",
                      "n-base-label": "部分", "n-base-type": "number"})
    client.post(url, {"op": "save_field", "prefix": "n-base", "n-base-section": "base", "n-base-key": "rows",
                      "n-base-label": "明细", "n-base-type": "table",  # the columns: a formset, one row each
                      "n-base-col-TOTAL_FORMS": "3", "n-base-col-INITIAL_FORMS": "0",
                      "n-base-col-0-key": "name", "n-base-col-0-label": "名称", "n-base-col-0-type": "text",
                      "n-base-col-1-key": "lv", "n-base-col-1-label": "级别", "n-base-col-1-type": "choice",
                      "n-base-col-1-choices": "甲\n乙", "n-base-col-2-type": "text"})
    client.post(url, {"op": "move_field", "key": "part", "dir": "up"})
    resp = client.post(url, {"op": "add_rule", "r-expr": "part <= nothing"}, HTTP_HX_REQUEST="true")
    assert "引用了未知的数值字段：nothing" in resp.content.decode()
    client.post(url, {"op": "add_rule", "r-expr": "part <= total", "r-message": "部分不能超过总数"})
    version.refresh_from_db()
    fields = version.schema["sections"][0]["fields"]
    assert [f["key"] for f in fields] == ["part", "total", "rows"]
    assert fields[2]["columns"][1] == {"key": "lv", "label": "级别", "type": "choice", "choices": ["甲", "乙"]}
    assert version.schema["rules"] == [{"expr": "part <= total", "message": "部分不能超过总数"}]
    client.post(url, {"op": "save_field", "prefix": "e-total", "e-total-section": "base", "e-total-original": "total",
                      "e-total-key": "total", "e-total-label": "总数（人）", "e-total-type": "number"})
    client.post(url, {"op": "remove_field", "key": "rows"})
    version.refresh_from_db()
    assert [f["label"] for f in version.schema["sections"][0]["fields"]] == ["部分", "总数（人）"]
    downloaded = client.get(f"/reports/versions/{version.pk}/schema.json")
    assert downloaded.json() == version.schema
    bad = SimpleUploadedFile("s.json", b'{"sections": [{"key": "a", "title": "A", "fields": [{"key": "x", "type": "nope", "label": "X"}]}]}')
    client.post(f"/reports/versions/{version.pk}/upload/", {"file": bad})
    version.refresh_from_db()
    assert [f["key"] for f in version.schema["sections"][0]["fields"]] == ["part", "total"]  # unchanged
    preset = SimpleUploadedFile("p.json", (presets.DIR / "county_annual.json").read_bytes())
    client.post(f"/reports/versions/{version.pk}/upload/", {"file": preset})
    version.refresh_from_db()
    assert version.schema == presets.load("county_annual")["schema"]
    client.post(f"/reports/versions/{version.pk}/publish/")
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    client.post(url, {"op": "remove_field", "key": "budget"})
    version.refresh_from_db()
    assert version.schema == presets.load("county_annual")["schema"]  # published: immutable


# ---- Excel --------------------------------------------------------------------------------------
def _book(resp):
    content = b"".join(resp.streaming_content) if resp.streaming else resp.content
    return openpyxl.load_workbook(io.BytesIO(content))


@pytest.mark.django_db
def test_export_of_all_submissions_cell_by_cell(province):
    campaign = last_years("society_annual")
    wb = _book(login("demo-province").get(f"/reports/campaigns/{campaign.pk}/export/"))
    main = list(wb.worksheets[0].iter_rows(values_only=True))
    header, rows = main[0], main[1:]
    assert header[:2] == ("组织编码", "组织名称") and "个人会员数（人）" in header and "总收入（万元）" in header
    subs = {s.organisation.code: s for s in campaign.submissions.select_related("organisation")}
    assert len(rows) == len(subs)
    flat = excel.flat_fields(campaign.version.schema)
    for row in rows:
        s = subs[row[0]]
        assert row[1] == s.organisation.name and row[2] == s.get_status_display() and row[3] == s.revision
        for i, f in enumerate(flat, start=6):
            value = s.data.get(f["key"])
            value = value.get("name") if isinstance(value, dict) else value
            assert row[i] == value, (row[0], f["key"])
    events = list(wb["学术活动"].iter_rows(values_only=True))
    assert events[0][:3] == ("组织编码", "组织名称", "行号")
    expected = [(code, i, r["name"], r["participants"]) for code, s in sorted(subs.items(), key=lambda x: x[1].org_path)
                for i, r in enumerate(s.data.get("academic_events") or [], start=1)]
    assert [(r[0], r[2], r[3], r[6]) for r in events[1:]] == expected and expected


@pytest.mark.django_db
def test_export_neutralises_formulas_and_is_scoped(province, campaign, county_user):
    sub = campaign.submissions.get(organisation=_county(province))
    services.save_draft(county_user, sub, {"note": "=1+2", "kind": "甲"})
    wb = _book(login("demo-city-a").get(f"/reports/campaigns/{campaign.pk}/export/"))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert "'=1+2" in [c for r in rows for c in r]
    county_campaign = Campaign.objects.get(version__form__code="county_annual")
    rows = list(_book(login("demo-city-a").get(f"/reports/campaigns/{county_campaign.pk}/export/"))
                .worksheets[0].iter_rows(values_only=True))[1:]
    allowed = set(Submission.objects.for_user(_users(province)["demo-city-a"], "export")
                  .filter(campaign=county_campaign).values_list("organisation__code", flat=True))
    assert {r[0] for r in rows} == allowed and allowed
    assert _county(province, "city_b").code not in allowed


@pytest.mark.django_db
def test_aggregate_export(province):
    campaign = Campaign.objects.get(version__form__code="county_annual")
    admin = _users(province)["demo-province"]
    wb = _book(login("demo-province").get(f"/reports/campaigns/{campaign.pk}/aggregate/export/?keys=budget&keys=staff_actual"))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    result = agg.aggregate(admin, campaign, province["root"], ["budget", "staff_actual"])
    assert rows[0][:5] == ("组织编码", "组织名称", "填报单位数", "计入单位数", "科协工作经费 合计")
    assert len(rows) == len(result.rows) + 2
    for line, r in zip(rows[1:], result.rows, strict=False):
        assert line[0] == r.org.code and line[2] == r.filers and line[3] == r.counted
        assert line[4] == pytest.approx(r.stats["budget"].sum) and line[6] == r.stats["budget"].count
        assert line[8] == pytest.approx(r.stats["staff_actual"].sum)
    assert rows[-1][1] == "合计" and rows[-1][4] == pytest.approx(result.total.stats["budget"].sum)


def _template(client, campaign):
    return _book(client.get(f"/reports/campaigns/{campaign.pk}/import/template/"))


def _upload(client, campaign, wb):
    buf = io.BytesIO()
    wb.save(buf)
    return client.post(f"/reports/campaigns/{campaign.pk}/import/",
                        {"file": SimpleUploadedFile("filled.xlsx", buf.getvalue())})


@pytest.mark.django_db
def test_excel_import_good_file(province, campaign):
    client = login("demo-city-a")
    wb = _template(client, campaign)
    ws = wb["填报数据"]
    header = [c.value for c in ws[1]]
    codes = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert set(codes) == set(campaign.submissions.values_list("organisation__code", flat=True))
    assert header[2:4] == ["会员总数（人）", "个人会员数"] and "填写说明" in wb.sheetnames
    col = {h: i + 1 for i, h in enumerate(header)}
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col["会员总数（人）"], 100 + r)
        ws.cell(r, col["个人会员数"], 50)
        ws.cell(r, col["类别"], "乙")
    events = wb["活动"]
    events.append([codes[0], "年会", 12, "全国"])
    events.append([codes[0], "论坛", 8, None])
    resp = _upload(client, campaign, wb)
    assert resp.status_code == 302, resp.content.decode()[-2000:]
    subs = {s.organisation.code: s for s in campaign.submissions.select_related("organisation")}
    assert all(s.status == SubmissionStatus.SUBMITTED for s in subs.values())
    first = subs[codes[0]]
    assert first.data["total_members"] == 102 and first.data["kind"] == "乙"
    assert first.data["events"] == [{"name": "年会", "people": 12, "level": "全国"}, {"name": "论坛", "people": 8}]
    assert SubmissionEvent.objects.filter(submission=first, action=EventAction.IMPORTED).count() == 1
    assert SubmissionValue.objects.get(submission=first, key="events.people").value == 20


@pytest.mark.django_db
def test_excel_import_bad_file_changes_nothing(province, campaign):
    client = login("demo-city-a")
    wb = _template(client, campaign)
    ws = wb["填报数据"]
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col["会员总数（人）"], 100)
        ws.cell(r, col["个人会员数"], 50)
        ws.cell(r, col["类别"], "甲")
    ws.cell(3, col["会员总数（人）"], "很多")
    ws.cell(2, col["个人会员数"], 500)
    ws.append([_county(province, "city_b").code, "", 1, 1, None, None, "甲"])
    before = {s.pk: (s.status, s.data) for s in campaign.submissions.all()}
    resp = _upload(client, campaign, wb)
    html = resp.content.decode()
    assert resp.status_code == 400
    letter = openpyxl.utils.get_column_letter(col["会员总数（人）"])
    assert f"第 3 行 {letter} 列：“会员总数”应为数字，填写的是“很多”。" in html
    assert "第 2 行（" in html and "个人会员数不能超过会员总数" in html
    assert f"第 {ws.max_row} 行 A 列：组织“{_county(province, 'city_b').code}”不是本任务中您可填报的单位。" in html
    assert {s.pk: (s.status, s.data) for s in campaign.submissions.all()} == before
    assert not SubmissionEvent.objects.filter(submission__campaign=campaign).exists()


# ---- scope --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_city_a_never_sees_city_b_submissions(province):
    client = login("demo-city-a")
    user_a = _users(province)["demo-city-a"]
    campaign = Campaign.objects.get(version__form__code="county_annual")
    b_sub = campaign.submissions.filter(org_path__startswith=province["city_b"].path).first()
    a_sub = campaign.submissions.filter(org_path__startswith=province["city_a"].path).first()
    board = client.get(f"/reports/campaigns/{campaign.pk}/?page=1").content.decode()
    assert a_sub.organisation.name in board and b_sub.organisation.name not in board
    for url in (f"/reports/submissions/{b_sub.pk}/", f"/reports/submissions/{b_sub.pk}/review/",
                f"/reports/campaigns/{campaign.pk}/aggregate/?node={province['city_b'].pk}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/reports/submissions/{b_sub.pk}/review/", {"decision": "accept"}).status_code == 404
    assert client.get(f"/reports/campaigns/{campaign.pk}/").status_code == 200
    counted = sum(r.filers for r in agg.aggregate(user_a, campaign, province["root"], ["budget"]).rows)
    assert counted == Submission.objects.for_user(user_a).filter(campaign=campaign).count()
    tpl = _book(client.get(f"/reports/campaigns/{campaign.pk}/import/template/"))["填报数据"]
    codes = {tpl.cell(r, 1).value for r in range(2, tpl.max_row + 1)}
    assert b_sub.organisation.code not in codes and a_sub.organisation.code in codes


@pytest.mark.django_db
def test_seeded_campaigns_have_a_realistic_spread(province):
    today = timezone.localdate()
    for code in ("society_annual", "county_annual"):
        c = last_years(code)
        assert c.year == today.year - 1
        statuses = dict(c.submissions.order_by().values_list("status").annotate(n=Count("id")))
        total = sum(statuses.values())
        assert 0.7 <= statuses[SubmissionStatus.ACCEPTED] / total <= 0.9
        assert statuses.get(SubmissionStatus.NOT_STARTED) and statuses.get(SubmissionStatus.DRAFT)
        assert statuses.get(SubmissionStatus.RETURNED) and statuses.get(SubmissionStatus.SUBMITTED)
        for s in c.submissions.filter(status__in=services.DONE):
            assert S.clean(c.version.schema, s.data, submit=True).ok
            assert dict(s.values.values_list("key", "value")) == figures.all_figures(s.data)
        assert c.submissions.filter(status=SubmissionStatus.RETURNED).exclude(comment="").exists()
    socs = last_years("society_annual").submissions.filter(status="accepted")
    members = sorted(s.data["popsci_events"] for s in socs)
    assert members[-1] > 3 * max(1, members[0])  # strong and weak societies differ


@pytest.mark.django_db
def test_presets_command_and_installer(province):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("reports", "presets", stdout=out)
    assert "society_annual\t学会年报" in out.getvalue() and "county_annual\t县级科协年报" in out.getvalue()
    with pytest.raises(CommandError, match="没有名为“nope”的预置报表"):
        call_command("reports", "install", "nope", "--owner", province["root"].code)
    with pytest.raises(CommandError, match="没有编码为"):
        call_command("reports", "install", "county_annual", "--owner", "NO-SUCH")
    ReportForm.objects.filter(code="county_annual").update(code="county_annual_old")
    out = io.StringIO()
    call_command("reports", "install", "county_annual", "--owner", province["city_a"].code, stdout=out)
    form = ReportForm.objects.get(code="county_annual")
    assert form.owner == province["city_a"] and form.versions.get().status == VersionStatus.PUBLISHED
    keys = set(S.field_map(form.versions.get().schema))
    assert {"township_associations", "townships_total", "literacy_rate", "popsci_budget", "budget"} <= keys
    society = set(S.field_map(presets.load("society_annual")["schema"]))
    assert {"individual_members", "senior_members", "student_members", "new_members", "group_members", "branches",
            "staff_fulltime", "secretary_fulltime", "academic_events", "journals", "core_journals", "popsci_events",
            "popsci_audience", "enterprises_served", "tech_projects", "trainings", "group_standards", "gov_functions",
            "decision_reports", "awards_recommended", "income_total", "dues_income", "gov_purchase_income",
            "expense_total"} <= society


@pytest.mark.django_db
def test_progress_board_filters_and_htmx(province):
    client = login("demo-province")
    campaign = last_years("society_annual")
    returned = campaign.submissions.filter(status=SubmissionStatus.RETURNED).select_related("organisation").first()
    accepted = campaign.submissions.filter(status=SubmissionStatus.ACCEPTED).select_related("organisation").first()
    part = client.get(f"/reports/campaigns/{campaign.pk}/?status=returned", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and returned.organisation.name in part and accepted.organisation.name not in part
    overdue = client.get(f"/reports/campaigns/{campaign.pk}/?overdue=on").content.decode()
    assert accepted.organisation.name not in overdue.split('id="filers"')[1]
    assert returned.organisation.name in overdue.split('id="filers"')[1]


def test_registry_figures_match_direct_counts_for_every_organisation(province):
    """One query per metric for any number of organisations (no OR of a path range per organisation)."""
    from kexie.members.figures import IN_GOOD_STANDING
    from kexie.members.models import Membership
    from kexie.orgs.models import Organisation
    from kexie.reports import registry

    orgs = list(Organisation.objects.alive())
    got = registry.values(list(registry.METRICS), orgs)
    for o in orgs:
        children = Organisation.objects.alive().filter(path__startswith=o.path, depth=o.depth + 1)
        below = Organisation.objects.alive().filter(path__startswith=o.path).exclude(pk=o.pk)
        assert got[o.pk]["subordinate_orgs"] == children.count()
        assert got[o.pk]["branches"] == children.filter(kind__code="society_branch").count()
        assert got[o.pk]["agri_associations"] == below.filter(kind__code="agri_assoc").count()
        assert got[o.pk]["township_associations"] == below.filter(kind__code="kx", level="township").count()
        assert got[o.pk]["people_registered"] == sum(
            Organisation.objects.alive().filter(path__startswith=o.path).values_list("people_count", flat=True))
        assert got[o.pk]["individual_members"] == Membership.objects.filter(
            society=o, deleted_at__isnull=True, status__in=IN_GOOD_STANDING).count()


@pytest.mark.django_db
def test_excel_import_refuses_a_zip_bomb_before_reading(province, campaign, tmp_path):
    """The offline report import reads workbooks with calamine: a small file that unpacks to tens of MB is
    refused from its zip directory, fast, and nothing changes."""
    import time

    from tests.test_imports_security import bomb

    path = bomb(tmp_path / "bomb.xlsx", 30_000)
    assert path.stat().st_size < 2 * 1024 * 1024
    before = {s.pk: (s.status, s.data) for s in campaign.submissions.all()}
    started = time.perf_counter()
    with open(path, "rb") as f:
        resp = login("demo-city-a").post(f"/reports/campaigns/{campaign.pk}/import/",
                                         {"file": SimpleUploadedFile("filled.xlsx", f.read())})
    assert time.perf_counter() - started < 5
    assert resp.status_code == 400
    assert "未做任何处理" in resp.content.decode()
    assert {s.pk: (s.status, s.data) for s in campaign.submissions.all()} == before
