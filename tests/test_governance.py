"""Governance compliance (SPEC §3.1; seed 003 §二.1, §三.3): each rule at its boundary, rule edits
(audited, bad input refused in Chinese), the pages and the export held to the caller's scope, the
换届 reminders, and the seeded province having both failing and passing bodies."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kexie.accounts.services import grant_role
from kexie.core.models import AuditEntry
from kexie.core.services import SYSTEM
from kexie.governance import services
from kexie.governance.models import ComplianceRule
from kexie.governance.rules import Verdict, parse_threshold, years_before
from kexie.governance.tasks import term_reminders_task
from kexie.members.models import BodyKind, LeadershipBody, Post, Term
from kexie.notices.models import Notification
from kexie.orgs.models import Organisation, OrgKind
from kexie.people.models import Person

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 6, 15)
_seq = itertools.count(1)


# --- building blocks ---------------------------------------------------------------------------------

def org(parent: Organisation, kind: str = "society", name: str | None = None) -> Organisation:
    n = next(_seq)
    return Organisation.objects.add_child(parent, dict(
        name=name or f"治理测试组织{n}", code=f"GOVT{n:05d}", kind=OrgKind.objects.get(code=kind), level=parent.level))


def person(where: Organisation, birth: dt.date | None = dt.date(1980, 1, 1), name: str | None = None) -> Person:
    return Person.objects.create(name=name or f"测试{next(_seq)}", org=where, org_path=where.path, birth_date=birth)


def body(where: Organisation, kind: str = BodyKind.COUNCIL) -> LeadershipBody:
    return LeadershipBody.objects.create(organisation=where, org_path=where.path, kind=kind)


def term(b: LeadershipBody, number: int = 1, ends: dt.date = dt.date(2028, 1, 1)) -> Term:
    return Term.objects.create(body=b, number=number, starts_on=years_before(ends, 5), ends_on=ends)


def seat(t: Term, p: Person, frontline: bool = True, official: str = "", position: str = "council_member") -> Post:
    return Post.objects.create(term=t, person=p, position=position, frontline=frontline, official=official)


def results(t: Term, on: dt.date = ON) -> dict:
    report = services.term_report(Term.objects.select_related("body__organisation__kind").get(pk=t.pk), on)
    return {r.rule.code: r for r in report.results}


def council_of(parent: Organisation, frontline: int, others: int, kind: str = BodyKind.COUNCIL,
               org_kind: str = "society") -> tuple[Organisation, Term, list[Post]]:
    where = org(parent, org_kind)
    t = term(body(where, kind))
    posts = [seat(t, person(where), True) for _ in range(frontline)]
    posts += [seat(t, person(where), False) for _ in range(others)]
    return where, t, posts


def xlsx_rows(resp) -> list[tuple]:
    content = b"".join(resp.streaming_content) if resp.streaming else resp.content
    return list(openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


# --- rules at their boundaries -------------------------------------------------------------------------

def test_frontline_share_exactly_three_quarters_passes_one_fewer_fails(province):
    _, t, posts = council_of(province["root"], frontline=15, others=5)
    r = results(t)["society-council-frontline"]
    assert r.verdict == Verdict.PASS
    assert r.figure == "一线 15 / 20 = 75.0%，要求 ≥ 75%"
    Post.objects.filter(pk=posts[0].pk).update(frontline=False)
    r = results(t)["society-council-frontline"]
    assert r.verdict == Verdict.FAIL and r.figure == "一线 14 / 20 = 70.0%，要求 ≥ 75%"
    assert posts[0].person_id in r.people and len(r.people) == 6  # the people counted against the share


def test_standing_council_exactly_two_thirds_passes(province):
    _, t, posts = council_of(province["root"], frontline=4, others=2, kind=BodyKind.STANDING)
    r = results(t)["society-standing-frontline"]
    assert r.verdict == Verdict.PASS and r.figure == "一线 4 / 6 = 66.7%，要求 ≥ 66.67%"
    Post.objects.filter(pk=posts[0].pk).update(frontline=False)
    assert results(t)["society-standing-frontline"].verdict == Verdict.FAIL


def test_a_person_with_two_seats_counts_once(province):
    where, t, posts = council_of(province["root"], frontline=3, others=1)
    seat(t, Person.objects.get(pk=posts[-1].person_id), False, position="vice_chair")
    assert results(t)["society-council-frontline"].figure == "一线 3 / 4 = 75.0%，要求 ≥ 75%"


def test_posts_ended_before_the_day_do_not_count(province):
    _, t, posts = council_of(province["root"], frontline=3, others=2)
    assert results(t)["society-council-frontline"].verdict == Verdict.FAIL  # 3 / 5
    Post.objects.filter(pk=posts[-1].pk).update(ends_on=ON)  # left office on the day
    r = results(t)["society-council-frontline"]
    assert r.verdict == Verdict.PASS and r.figure.startswith("一线 3 / 4 ")


def test_young_share_age_45_boundary(province):
    """“45 岁以下” includes 45 (以下 includes the number): young means at most 45 full years old."""
    where = org(province["root"], "kx")
    t = term(body(where, BodyKind.CONGRESS))
    subject = person(where, years_before(ON, 45))  # 45th birthday today: young
    seat(t, subject)
    seat(t, person(where, years_before(ON, 46)))  # 46 today
    seat(t, person(where, None))  # no birth date: not counted as young
    code = "kx-congress-young"
    r = results(t)[code]
    assert r.verdict == Verdict.PASS and r.figure == "45 岁以下 1 / 3 = 33.3%，要求 ≥ 33.33%"
    Person.objects.filter(pk=subject.pk).update(birth_date=years_before(ON, 46) + dt.timedelta(days=1))
    assert results(t)[code].verdict == Verdict.PASS  # turns 46 tomorrow
    Person.objects.filter(pk=subject.pk).update(birth_date=years_before(ON, 46))
    r = results(t)[code]
    assert r.verdict == Verdict.FAIL and r.figure.startswith("45 岁以下 0 / 3 ")
    assert results(t)["kx-congress-frontline"].verdict == Verdict.PASS  # 3 / 3 front-line
    assert results(t)["society-congress-frontline"].applicable is False  # a society rule, not for a 科协


def test_official_age_70_boundary(province):
    where, t, _ = council_of(province["root"], frontline=4, others=0)
    official = person(where, years_before(ON, 71) + dt.timedelta(days=1))  # 70, turns 71 tomorrow
    seat(t, official, official="retired")
    seat(t, person(where, dt.date(1940, 1, 1)))  # over 70 but not an official: not concerned
    code = "society-official-age"
    assert results(t)[code].verdict == Verdict.PASS
    Person.objects.filter(pk=official.pk).update(birth_date=years_before(ON, 71))
    r = results(t)[code]
    assert r.verdict == Verdict.FAIL and r.people == [official.pk]
    assert r.figure == "公职人员 1 人，其中年龄不符合要求（≤ 70 周岁）的 1 人"


def test_official_terms_two_pass_three_fail(province):
    where = org(province["root"])
    b = body(where)
    t1, t2, t3 = (term(b, n, dt.date(2018 + 5 * (n - 1), 1, 1)) for n in (1, 2, 3))
    official, other = person(where), person(where)
    for t in (t2, t3):
        seat(t, official, official="serving")
    for t in (t1, t2, t3):
        seat(t, other)  # three terms, but not an official
    code = "society-official-terms"
    assert results(t3)[code].verdict == Verdict.PASS
    seat(t1, official, official="serving")
    r = results(t3)[code]
    assert r.verdict == Verdict.FAIL and r.people == [official.pk]


def test_official_posts_one_society_passes_two_fail(province):
    root = province["root"]
    s1, t1, _ = council_of(root, frontline=4, others=0)
    s2, t2, _ = council_of(root, frontline=4, others=0, kind=BodyKind.STANDING)
    official = person(s1)
    seat(t1, official, official="serving")
    standing1 = term(body(s1, BodyKind.STANDING))
    seat(standing1, official, official="serving")  # council and standing council of one society: one post
    old = term(body(s2, BodyKind.SUPERVISORY), 1, dt.date(2020, 1, 1))
    term(LeadershipBody.objects.get(pk=old.body_id), 2, dt.date(2030, 1, 1))
    seat(old, official)  # a seat in a term that has been renewed: not held now
    code = "society-official-posts"
    assert results(t1)[code].verdict == Verdict.PASS
    seat(t2, official, official="serving")  # now a second society
    for t in (t1, t2):
        r = results(t)[code]
        assert r.verdict == Verdict.FAIL and r.people == [official.pk], t.body
    assert "兼任学会职务不符合要求（≤ 1 个）的 1 人" in results(t2)[code].figure


def test_term_overdue_and_expiring(province):
    where = org(province["root"])
    t = term(body(where), 3, ends=ON)
    r = results(t)
    assert r["term-overdue"].verdict == Verdict.PASS  # ends today: not yet overdue
    assert r["term-expiring"].verdict == Verdict.WARN and r["term-expiring"].figure.startswith("届满日期 2026-06-15，距届满 0 天")
    Term.objects.filter(pk=t.pk).update(ends_on=ON - dt.timedelta(days=1))
    r = results(t)
    assert r["term-overdue"].verdict == Verdict.FAIL
    assert r["term-overdue"].figure == "届满日期 2026-06-14，已超期 1 天未换届，要求 ≤ 0 天"
    assert r["term-expiring"].verdict == Verdict.NA
    Term.objects.filter(pk=t.pk).update(ends_on=ON + dt.timedelta(days=90))
    assert results(t)["term-expiring"].verdict == Verdict.PASS
    Term.objects.filter(pk=t.pk).update(ends_on=ON + dt.timedelta(days=89))
    assert results(t)["term-expiring"].verdict == Verdict.WARN
    newer = term(LeadershipBody.objects.get(pk=t.body_id), 4, ends=dt.date(2031, 1, 1))
    assert results(t)["term-overdue"].verdict == Verdict.NA  # renewed
    assert results(newer)["term-overdue"].verdict == Verdict.PASS


def test_parse_threshold_forms():
    assert parse_threshold("frontline_share", "75%") == parse_threshold("frontline_share", "3/4") == \
        parse_threshold("frontline_share", "0.75")
    assert str(parse_threshold("young_share", "1/3")) == "0.333333"
    assert parse_threshold("official_age", "70") == 70


# --- rule edits ----------------------------------------------------------------------------------------

def _rule(code: str) -> ComplianceRule:
    return ComplianceRule.objects.get(code=code)


def test_threshold_edit_takes_effect_and_is_audited(province, client_province):
    _, t, _ = council_of(province["root"], frontline=15, others=5)
    assert results(t)["society-council-frontline"].verdict == Verdict.PASS
    rule = _rule("society-council-frontline")
    resp = client_province.post(f"/governance/rules/{rule.pk}/", {"threshold": "80%", "active": "on"})
    assert resp.status_code == 302
    rule.refresh_from_db()
    assert str(rule.threshold) == "0.800000"
    r = results(t)["society-council-frontline"]
    assert r.verdict == Verdict.FAIL and r.figure == "一线 15 / 20 = 75.0%，要求 ≥ 80%"
    entry = AuditEntry.objects.get(action="governance.rule.changed", object_id=rule.pk)
    assert entry.actor == province["users"]["demo-province"]
    assert entry.data["before"]["阈值"] == "0.750000" and entry.data["after"]["阈值"] == "0.800000"
    # switching the rule off removes it from the checks
    resp = client_province.post(f"/governance/rules/{rule.pk}/", {"threshold": "0.8"}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and "已保存" in resp.content.decode() and "<html" not in resp.content.decode()
    assert "society-council-frontline" not in results(t)
    assert AuditEntry.objects.filter(action="governance.rule.changed", object_id=rule.pk).count() == 2


def test_age_limit_edit(province, client_province):
    where = org(province["root"], "kx")
    t = term(body(where, BodyKind.CONGRESS))
    for age in (50, 60, 61):
        seat(t, person(where, years_before(ON, age)))
    rule = _rule("kx-congress-young")
    assert results(t)["kx-congress-young"].verdict == Verdict.FAIL
    resp = client_province.post(f"/governance/rules/{rule.pk}/", {"threshold": "1/3", "parameter": "60",
                                                                 "active": "on"})
    assert resp.status_code == 302
    r = results(t)["kx-congress-young"]
    assert r.verdict == Verdict.PASS and r.figure.startswith("60 岁以下 2 / 3 ")


@pytest.mark.parametrize("code,data,message", [
    ("society-council-frontline", {"threshold": "abc"}, "阈值必须是数字，比例可写作 0.75、75% 或 3/4。"),
    ("society-council-frontline", {"threshold": "1.5"}, "比例阈值必须在 0 到 1 之间（即 0% 到 100%）。"),
    ("society-council-frontline", {"threshold": "-10%"}, "比例阈值必须在 0 到 1 之间（即 0% 到 100%）。"),
    ("society-council-frontline", {"threshold": ""}, "请填写阈值。"),
    ("society-official-age", {"threshold": "70.5"}, "阈值必须是整数。"),
    ("society-official-age", {"threshold": "200"}, "阈值必须在 18 到 120 之间。"),
    ("society-official-posts", {"threshold": "NaN"}, "阈值必须是整数。"),
    ("kx-congress-young", {"threshold": "0.4", "parameter": "abc"}, "年龄界限必须是 18 到 100 之间的整数（周岁）。"),
])
def test_bad_threshold_is_refused_in_chinese_and_changes_nothing(client_province, code, data, message):
    rule = _rule(code)
    before = (rule.threshold, rule.parameter, rule.active)
    resp = client_province.post(f"/governance/rules/{rule.pk}/", {**data, "active": "on"})
    assert resp.status_code == 400
    assert message in resp.content.decode()
    rule.refresh_from_db()
    assert (rule.threshold, rule.parameter, rule.active) == before
    assert not AuditEntry.objects.filter(action="governance.rule.changed").exists()
    htmx = client_province.post(f"/governance/rules/{rule.pk}/", {**data, "active": "on"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and message in htmx.content.decode()


def test_only_province_staff_edit_rules(client_a, client_province):
    rule = _rule("society-council-frontline")
    resp = client_a.post(f"/governance/rules/{rule.pk}/", {"threshold": "0.5", "active": "on"})
    assert resp.status_code == 403 and "您无权" in resp.content.decode()
    rule.refresh_from_db()
    assert str(rule.threshold) == "0.750000"
    page = client_a.get("/governance/rules/").content.decode()
    assert "society-council-frontline" in page and f"/governance/rules/{rule.pk}/" not in page
    assert f'action="/governance/rules/{rule.pk}/"' in client_province.get("/governance/rules/").content.decode()


# --- pages and scope ------------------------------------------------------------------------------------

@pytest.fixture
def city_bodies(province):
    """A failing council in city A, a passing one in city B (fresh organisations, today's dates)."""
    today = timezone.localdate()
    a = org(province["city_a"], "society", "甲市治理测试学会")
    b = org(province["city_b"], "society", "乙市治理测试学会")
    ta = term(body(a), 6, ends=today + dt.timedelta(days=400))
    tb = term(body(b), 2, ends=today + dt.timedelta(days=400))
    for i in range(4):
        seat(ta, person(a, years_before(today, 40)), frontline=i < 2)
        seat(tb, person(b, years_before(today, 40)), frontline=True)
    return {"a": a, "b": b, "ta": ta, "tb": tb}


def test_overview_shows_only_the_callers_scope(client_a, client_b, city_bodies, province):
    html = client_a.get("/governance/").content.decode()
    assert "甲市治理测试学会" in html and f"/governance/terms/{city_bodies['ta'].pk}/" in html
    assert "乙市治理测试学会" not in html and province["city_b"].name not in html
    assert "一线 2 / 4 = 50.0%，要求 ≥ 75%" in html
    html_b = client_b.get("/governance/").content.decode()
    assert "乙市治理测试学会" in html_b and "甲市治理测试学会" not in html_b
    user_a = province["users"]["demo-city-a"]
    ov = services.overview(user_a, services.Filters())
    allowed = set(LeadershipBody.objects.for_user(user_a).values_list("pk", flat=True))
    assert {row.body_id for row in ov.rows} == allowed and allowed


def test_detail_in_scope_and_404_outside(client_a, client_b, city_bodies):
    ta, tb = city_bodies["ta"], city_bodies["tb"]
    resp = client_a.get(f"/governance/terms/{ta.pk}/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "一线 2 / 4 = 50.0%，要求 ≥ 75%" in html and "学会理事会四分之三以上" in html
    not_front = Post.objects.filter(term=ta, frontline=False).values_list("person_id", flat=True)
    assert all(f"/people/{pk}/" in html for pk in not_front)
    assert client_a.get(f"/governance/terms/{tb.pk}/").status_code == 404
    assert client_a.get("/governance/terms/999999/").status_code == 404
    assert client_b.get(f"/governance/terms/{tb.pk}/").status_code == 200


def test_filters_and_pagination(client_province, city_bodies):
    html = client_province.get("/governance/", {"status": "fail", "q": "治理测试学会"}).content.decode()
    assert "甲市治理测试学会" in html and "乙市治理测试学会" not in html
    html = client_province.get("/governance/", {"status": "pass", "q": "治理测试学会"}).content.decode()
    assert "乙市治理测试学会" in html and "甲市治理测试学会" not in html
    html = client_province.get("/governance/", {"body_kind": "standing", "q": "治理测试学会"}).content.decode()
    assert "没有符合条件的领导机构" in html
    html = client_province.get("/governance/", {"kind": "kx"}).content.decode()
    assert "治理测试学会" not in html and "科学技术协会" in html
    partial = client_province.get("/governance/", {"status": "fail"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert client_province.get("/governance/", {"status": "bogus"}).status_code == 400
    total = LeadershipBody.objects.count()
    assert total > 50
    first = client_province.get("/governance/").content.decode()
    second = client_province.get("/governance/", {"page": 2}).content.decode()
    assert f"共 {total} 条" in first
    ids1, ids2 = (set(re.findall(r'data-body="(\d+)"', html)) for html in (first, second))
    assert len(ids1) == 50 and ids2 and ids1.isdisjoint(ids2)


def test_export_keeps_filters_and_scope_cell_by_cell(client_a, city_bodies, province):
    resp = client_a.get("/governance/export/", {"q": "治理测试学会"})
    assert resp.status_code == 200
    rows = xlsx_rows(resp)
    header = rows[0]
    rules = list(ComplianceRule.objects.filter(active=True).order_by("sort", "code"))
    assert header[:11] == ("组织名称", "组织编码", "组织类型", "领导机构", "届次", "起始日期", "届满日期", "在任人数",
                           "一线人数", "合规结论", "不合规及提醒事项")
    assert list(header[11:]) == [r.name for r in rules]
    assert len(rows) == 2  # city B's body is outside A's scope
    a, ta = city_bodies["a"], city_bodies["ta"]
    row = rows[1]
    assert row[:10] == (a.name, a.code, "学会", "理事会", 6, dt.datetime.combine(ta.starts_on, dt.time()),
                        dt.datetime.combine(ta.ends_on, dt.time()), 4, 2, "不合规")
    verdicts = dict(zip([r.code for r in rules], row[11:], strict=True))
    assert verdicts["society-council-frontline"] == "不合规"
    assert verdicts["society-leaders-young"] == "合格"
    assert verdicts["society-official-posts"] == "合格"
    assert verdicts["term-overdue"] == "合格"
    assert verdicts["kx-congress-frontline"] == verdicts["society-standing-frontline"] == "不适用"
    assert row[10] == "学会理事会：基层一线理事不低于四分之三（一线 2 / 4 = 50.0%，要求 ≥ 75%）"
    # without a filter: exactly the bodies in A's export scope
    all_rows = xlsx_rows(client_a.get("/governance/export/"))[1:]
    user_a = province["users"]["demo-city-a"]
    expected = LeadershipBody.objects.for_user(user_a, "export").values_list("organisation__code", flat=True)
    assert sorted(r[1] for r in all_rows) == sorted(expected)
    assert province["city_b"].code not in {r[1] for r in all_rows}
    assert "乙市治理测试学会" not in {r[0] for r in all_rows}


def test_checks_are_a_handful_of_queries_whatever_the_number_of_bodies(province):
    user = province["users"]["demo-province"]
    with CaptureQueriesContext(connection) as before:
        ov = services.overview(user, services.Filters())
    assert len(ov.rows) > 100 and len(before.captured_queries) <= 8
    for _ in range(20):  # twenty more councils, each with an official in several terms
        where, t, _posts = council_of(province["root"], frontline=3, others=1)
        official = person(where)
        seat(t, official, official="serving")
        seat(term(LeadershipBody.objects.get(pk=t.body_id), 0, dt.date(2020, 1, 1)), official, official="serving")
    with CaptureQueriesContext(connection) as after:
        ov2 = services.overview(user, services.Filters())
    assert len(ov2.rows) == len(ov.rows) + 20
    assert len(after.captured_queries) == len(before.captured_queries)


# --- reminders ----------------------------------------------------------------------------------------------

def test_reminders_reach_the_right_users_once_per_key(province):
    from kexie.accounts.models import User

    root, a = province["root"], province["city_a"]
    society = org(root, "society", "换届提醒测试学会")
    secretary = User.objects.create_user("gov-secretary", password="x-Strong-Pass-1", email="sec@example.cn")
    grant_role(SYSTEM, secretary, society, "staff")
    county = org(a, "kx", "换届提醒测试区科协")  # nobody holds a role there: city A's staff are reminded
    days = {"far": 200, "180": 150, "90": 60, "30": 10, "overdue": -5}
    terms = {k: term(body(society, kind), 5, ends=ON + dt.timedelta(days=d))
             for (k, d), kind in zip(days.items(), BodyKind.values, strict=True)}
    county_term = term(body(county, BodyKind.CONGRESS), 3, ends=ON + dt.timedelta(days=20))
    services.send_term_reminders(ON)
    mine = Notification.objects.filter(key__startswith="governance.term:")
    for bucket, t in terms.items():
        got = mine.filter(key=f"governance.term:{t.pk}:{bucket}")
        if bucket == "far":
            assert not mine.filter(key__startswith=f"governance.term:{t.pk}:").exists()
            continue
        assert [n.user for n in got] == [secretary], bucket
        assert got.get().url == f"/governance/terms/{t.pk}/"
    overdue = mine.get(key=f"governance.term:{terms['overdue'].pk}:overdue")
    assert "换届提醒测试学会" in overdue.title and "已于" in overdue.title and "已超期 5 天" in overdue.body
    soon = mine.get(key=f"governance.term:{terms['30'].pk}:30")
    assert "将于" in soon.title and "距届满还有 10 天" in soon.body
    county_notes = mine.filter(key=f"governance.term:{county_term.pk}:30")
    assert [n.user.username for n in county_notes] == ["demo-city-a"]
    assert not mine.filter(user__username="demo-province", key__in=[f"governance.term:{t.pk}:30" for t in
                                                                     terms.values()]).exists()
    count = mine.count()
    again = services.send_term_reminders(ON)
    assert mine.count() == count and again["notices"] == 0  # idempotent
    # the next reminder of the same term is a new key
    services.send_term_reminders(ON + dt.timedelta(days=31))
    assert mine.filter(key=f"governance.term:{terms['90'].pk}:30", user=secretary).count() == 1
    assert mine.filter(key=f"governance.term:{terms['90'].pk}:90", user=secretary).count() == 1


def test_reminder_task_and_daily_command(province, capsys):
    society = org(province["root"], "society", "每日任务测试学会")
    t = term(body(society), 2, ends=timezone.localdate() + dt.timedelta(days=3))
    result = term_reminders_task.call()
    assert result["terms"] >= 1
    key = f"governance.term:{t.pk}:30"
    # nobody holds a role on the new society: the province staff (root) are reminded
    assert [n.user.username for n in Notification.objects.filter(key=key)] == ["demo-province"]
    call_command("daily", now=True)
    assert "换届提醒" in capsys.readouterr().out
    assert Notification.objects.filter(key=key).count() == 1


# --- demo data -------------------------------------------------------------------------------------------

def test_seeded_province_has_failures_of_each_promised_kind_and_mostly_passes(province):
    ov = services.overview(province["users"]["demo-province"], services.Filters())
    failing = {r.rule.code for row in ov.rows for r in row.results if r.verdict == Verdict.FAIL}
    assert {"society-council-frontline", "society-official-posts", "society-official-age",
            "term-overdue"} <= failing
    assert ov.totals["pass"] > 2 * ov.totals["fail"] > 0
    kinds = {(row.facts.org_category, row.body_kind) for row in ov.rows}
    assert ("association", "congress") in kinds and ("society", "council") in kinds
    for user in ("demo-city-a", "demo-city-b"):
        assert services.overview(province["users"][user], services.Filters()).rows


def test_overview_lists_failures_first_then_warnings(client_province, city_bodies, province):
    """不合规 first, then 提醒, then 合格 — on the page and in the export, whatever the tree order."""
    user = province["users"]["demo-province"]
    verdicts = [row.verdict for row in services.overview(user, services.Filters()).rows]
    order = {Verdict.FAIL: 0, Verdict.WARN: 1, Verdict.PASS: 2, Verdict.NA: 3}
    assert verdicts == sorted(verdicts, key=order.__getitem__) and Verdict.FAIL in verdicts
    assert Verdict.PASS in verdicts
    html = client_province.get("/governance/", {"q": "治理测试学会"}).content.decode()
    assert html.index("甲市治理测试学会") < html.index("乙市治理测试学会")  # 甲 fails, 乙 passes
    book = openpyxl.load_workbook(io.BytesIO(b"".join(client_province.get("/governance/export/").streaming_content)))
    column = [c.value for c in next(book.active.iter_cols(min_col=10, max_col=10))][1:]
    ranks = [0 if v == "不合规" else 1 if v == "提醒" else 2 for v in column if v]
    assert ranks == sorted(ranks)
    # sorting by the verdict column the other way puts the passing bodies first
    html = client_province.get("/governance/", {"q": "治理测试学会", "sort": "-verdict"}).content.decode()
    assert html.index("乙市治理测试学会") < html.index("甲市治理测试学会")
