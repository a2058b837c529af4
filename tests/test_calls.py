"""申报评审 core: eligibility at each boundary, the form and no edits after submit, stages without
skipping and with deadlines, quotas (also two nominators racing for the last place on PostgreSQL), the
formal check with reasons, every conflict reason, affinity ordering, and scope."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from kexie.accounts.models import User
from kexie.accounts.services import grant_role
from kexie.calls import eligibility
from kexie.calls.applications import services as app_services
from kexie.calls.common import ApplicationInvalid
from kexie.calls.experts import services as expert_services
from kexie.calls.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    ReviewAssignment,
    Stage,
)
from kexie.calls.review import conflicts as C
from kexie.calls.setup import services as setup_services
from kexie.core.scope import prefix_q
from kexie.core.services import SYSTEM
from kexie.members.models import Membership
from kexie.orgs.models import Organisation
from kexie.people.models import Discipline, Person, PersonDiscipline
from tests.conftest import login

FORM = {"sections": [{"key": "basic", "title": "基本信息", "fields": [
    {"key": "summary", "label": "主要成就", "type": "text", "required": True, "multiline": True},
    {"key": "keywords", "label": "关键词", "type": "text", "required": True},
    {"key": "discipline", "label": "学科代码", "type": "text"},
    {"key": "papers", "label": "代表性论文", "type": "table", "max_rows": 5, "columns": [
        {"key": "title", "label": "题目", "type": "text", "required": True},
        {"key": "year", "label": "年份", "type": "number", "min": 1950, "max": 2030}]},
    {"key": "letter", "label": "推荐信", "type": "file", "extensions": ["pdf"], "max_size": 1048576},
]}], "rules": []}
RUBRIC = [{"key": "innovation", "label": "创新性", "weight": 0.6, "max": 100, "guidance": "原创程度"},
          {"key": "impact", "label": "影响力", "weight": 0.4, "max": 100, "guidance": ""}]


def stages(today: dt.date, nominate: bool = True) -> list[dict]:
    d = lambda n: (today + dt.timedelta(days=n)).isoformat()  # noqa: E731
    out = [{"code": "apply", "deadline": d(30)}]
    if nominate:
        out.append({"code": "nominate", "deadline": d(40)})
    return out + [{"code": "formal", "deadline": d(50)}, {"code": "review_corr", "deadline": d(60)},
                  {"code": "notice", "deadline": d(70)}, {"code": "result", "deadline": ""}]


_seq = iter(range(1, 10**6))


def make_call(province, *, nominate=True, rules=None, code=None, owner=None, kind="person") -> Call:
    actor = province["users"]["demo-province"]
    # Its review stage draws on an expert library: a call opens only with one (decision 0039).
    lib = expert_services.create_library(actor, owner=owner or province["root"], name="评审专家库")
    call = setup_services.create_call(
        actor, owner=owner or province["root"], code=code or f"call-{next(_seq)}", name="2026年度青年人才托举工程",
        year=2026, type="talent", applicant_kind=kind, eligibility=rules or [], form_schema=FORM,
        stages=stages(timezone.localdate(), nominate), rubric=RUBRIC, reviews_per_application=3, expert_library=lib)
    return setup_services.open_call(actor, call)


def make_person(org, name="申请人", *, birth=dt.date(1995, 5, 1), title="middle", employer_name="",
                employer=None, user=False) -> Person:
    account = User.objects.create(username=f"calls-user-{next(_seq)}") if user else None
    return Person.objects.create(name=name, org=org, org_path=org.path, birth_date=birth, title_level=title,
                                 employer_name=employer_name, employer=employer, user=account)


def child_of(org):
    return Organisation.objects.filter(prefix_q("path", [org.path]), depth=org.depth + 1).order_by("path").first()


def good_data(**extra):
    return {"summary": "在新型储能材料方面取得系列成果", "keywords": "储能，电池 材料", "discipline": "43020",
            "papers": [{"title": "固态电解质研究", "year": "2024"}], **extra}


@pytest.fixture
def staff(province):
    return province["users"]["demo-province"]


# ---- eligibility --------------------------------------------------------------------------------
def test_age_rule_at_its_boundary(province):
    call = make_call(province, rules=[{"rule": "age", "on": "2026-12-31", "max": 35}])
    a = province["city_a"]
    ok35 = make_person(a, birth=dt.date(1991, 1, 1))         # 35 on 2026-12-31
    ok35_late = make_person(a, birth=dt.date(1991, 12, 31))  # turns 35 that very day
    too_old = make_person(a, birth=dt.date(1990, 12, 31))    # 36 that day
    assert eligibility.evaluate(call, person=ok35).ok
    assert eligibility.evaluate(call, person=ok35_late).ok
    v = eligibility.evaluate(call, person=too_old)
    assert not v.ok and v.reasons == ["截至 2026-12-31 年龄为 36 周岁，超过 35 周岁的上限。"]
    call.eligibility = [{"rule": "age", "on": "2026-12-31", "min": 36}]
    assert eligibility.evaluate(call, person=too_old).ok
    assert eligibility.evaluate(call, person=ok35).reasons == ["截至 2026-12-31 年龄为 35 周岁，未达到 36 周岁。"]
    no_birth = make_person(a, birth=None)
    assert "没有出生日期" in eligibility.evaluate(call, person=no_birth).reasons[0]


def test_title_membership_region_rules(province):
    a, b, society = province["city_a"], province["city_b"], province["society"]
    call = make_call(province, rules=[{"rule": "title", "levels": ["senior", "vice_senior"]}])
    assert eligibility.evaluate(call, person=make_person(a, title="vice_senior")).ok
    assert eligibility.evaluate(call, person=make_person(a, title="middle")).reasons == [
        "职称级别为中级，要求为：正高级、副高级。"]

    call.eligibility = [{"rule": "membership", "society": society.pk}]
    p = make_person(a)
    assert eligibility.evaluate(call, person=p).reasons == [f"不是{society.name}的有效会员（须会籍有效）。"]
    m = Membership.objects.create(person=p, society=society, org_path=society.path, status="expired",
                                  category="member")
    assert not eligibility.evaluate(call, person=p).ok
    Membership.objects.filter(pk=m.pk).update(status="current")
    assert eligibility.evaluate(call, person=p).ok
    call.eligibility = [{"rule": "membership", "society": None}]
    assert eligibility.evaluate(call, person=p).ok
    assert eligibility.evaluate(call, person=make_person(a)).reasons == ["不是任何学会的有效会员（须会籍有效）。"]

    call.eligibility = [{"rule": "region", "orgs": [a.pk]}]
    assert eligibility.evaluate(call, person=make_person(child_of(a))).ok
    assert eligibility.evaluate(call, person=make_person(b)).reasons == [f"所在组织不在申报范围内（限：{a.name}）。"]


def test_previous_awards_excluded_within_years(province, staff):
    a = province["city_a"]
    p = make_person(a)
    call = make_call(province, rules=[{"rule": "previous", "years": 3, "types": ["talent"],
                                       "statuses": ["approved"]}])
    old = make_call(province)
    app = Application.objects.create(call=old, applicant_person=p, org_path=p.org_path, title="x",
                                     status=ApplicationStatus.APPROVED)
    for year, ok in ((2023, False), (2022, True)):
        Call.objects.filter(pk=old.pk).update(year=year)
        v = eligibility.evaluate(call, person=p)
        assert v.ok is ok, (year, v.reasons)
    Call.objects.filter(pk=old.pk).update(year=2024)
    assert eligibility.evaluate(call, person=p).reasons == [
        "2024 年已在“2026年度青年人才托举工程”中入选，3 年内不得再次申报。"]
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.NOT_APPROVED)
    assert eligibility.evaluate(call, person=p).ok


def test_rules_and_stages_are_checked_when_a_call_is_defined(province, staff):
    assert eligibility.check_rules([{"rule": "age", "on": "2026-13-01", "max": 35}]) == [
        "年龄条件缺少计算日期（如 2026-12-31）。"]
    assert eligibility.check_rules([{"rule": "shoe_size"}]) == ["第 1 条申报条件的类型未知。"]
    today = timezone.localdate()
    bad = [s for s in stages(today) if s["code"] != "result"]
    assert "阶段必须从“申报”开始，以“结果”结束。" in setup_services.check_stages(bad)
    swapped = stages(today)
    swapped[1], swapped[2] = swapped[2], swapped[1]
    swapped[1]["deadline"], swapped[2]["deadline"] = swapped[2]["deadline"], swapped[1]["deadline"]
    assert any("阶段顺序" in p for p in setup_services.check_stages(swapped))
    assert setup_services.check_rubric([{"key": "a", "label": "甲", "weight": 0.5, "max": 10}]) == [
        "评分指标的权重之和应为 1（现为 0.5）。"]
    with pytest.raises(ValidationError):
        setup_services.create_call(staff, owner=province["root"], code="bad-call", name="x", year=2026, type="talent",
                             stages=bad)
    with pytest.raises(PermissionDenied):
        setup_services.create_call(province["users"]["demo-city-a"], owner=province["root"], code="no-right",
                             name="x", year=2026, type="talent", stages=stages(today))


# ---- applying -----------------------------------------------------------------------------------
def test_eligibility_enforced_on_apply_and_on_submit(province):
    a = province["city_a"]
    call = make_call(province, nominate=False, rules=[{"rule": "age", "on": "2026-12-31", "max": 35}])
    old = make_person(a, birth=dt.date(1980, 1, 1), user=True)
    with pytest.raises(ValidationError) as exc:
        app_services.start_application(old.user, call, person=old)
    assert "超过 35 周岁的上限" in str(exc.value)
    p = make_person(a, user=True)
    app = app_services.start_application(p.user, call, person=p, title="储能材料青年人才")
    Person.objects.filter(pk=p.pk).update(birth_date=dt.date(1980, 1, 1))
    with pytest.raises(ApplicationInvalid) as exc:
        app_services.submit(p.user, app, good_data())
    assert exc.value.errors["eligibility"] == ["截至 2026-12-31 年龄为 46 周岁，超过 35 周岁的上限。"]


def test_draft_submit_and_no_edits_after_submission(province):
    a = province["city_a"]
    call = make_call(province, nominate=False)
    p = make_person(a, user=True)
    app = app_services.start_application(p.user, call, person=p)
    assert app_services.start_application(p.user, call, person=p).pk == app.pk  # one per applicant
    app = app_services.save_draft(p.user, app, {"summary": "先存一部分"})
    assert app.status == ApplicationStatus.DRAFT and app.data == {"summary": "先存一部分"}
    with pytest.raises(ApplicationInvalid) as exc:
        app_services.save_draft(p.user, app, {"papers": [{"title": "甲", "year": "1800"}]})
    assert exc.value.errors["papers"] == ["“代表性论文”第 1 行：“年份”不能小于 1950。"]
    with pytest.raises(ApplicationInvalid) as exc:
        app_services.submit(p.user, app, {"summary": "只有这一项"})
    assert exc.value.errors["keywords"] == ["“关键词”为必填项。"]
    with pytest.raises(ApplicationInvalid) as exc:
        app_services.submit(p.user, app, good_data(avoid_requests=[{"person_id": i, "name": "某", "reason": "竞争"}
                                                              for i in range(1, 5)]))
    assert exc.value.errors["avoid_requests"] == ["“申请回避的专家”最多 3 人。"]
    with pytest.raises(ApplicationInvalid) as exc:
        app_services.submit(p.user, app, good_data(avoid_requests=[{"person_id": 1, "name": "某"}]))
    assert exc.value.errors["avoid_requests"] == ["申请回避“某”须说明理由。"]
    app = app_services.submit(p.user, app, good_data())
    assert app.status == ApplicationStatus.SUBMITTED and app.revision == 1
    assert app.keywords == ["储能", "电池", "材料"] and app.disciplines == ["43020"]
    event = app.events.get(action="submitted")
    assert event.data["summary"] == "在新型储能材料方面取得系列成果"
    for fn in (lambda: app_services.save_draft(p.user, app, {"summary": "改"}),
               lambda: app_services.submit(p.user, app, good_data())):
        with pytest.raises(ValidationError) as exc:
            fn()
        assert "申报已提交，不能再修改" in str(exc.value)
    assert Application.objects.get(pk=app.pk).data["summary"] == "在新型储能材料方面取得系列成果"
    stranger = make_person(province["city_b"], user=True)
    with pytest.raises(PermissionDenied):
        app_services.withdraw(stranger.user, app)


# ---- stages -------------------------------------------------------------------------------------
def test_stages_never_skip_and_deadlines_hold(province, staff):
    a = province["city_a"]
    call = make_call(province)
    p = make_person(a, user=True)
    app = app_services.start_application(p.user, call, person=p)
    with pytest.raises(ValidationError) as exc:
        setup_services.advance_stage(staff, call, to=Stage.FORMAL)
    assert str(exc.value.messages[0]) == "不能跳过阶段：当前为“申报”，下一阶段为“单位推荐”。"
    with pytest.raises(ValidationError) as exc:
        app_services.nominate(staff, app)
    assert "没有推荐单位" in str(exc.value)
    # The apply deadline passed: no submission any more.
    Call.objects.filter(pk=call.pk).update(stages=[{**s, "deadline": (timezone.localdate() - dt.timedelta(days=1))
                                                    .isoformat()} if s["code"] == "apply" else s
                                                   for s in call.stages])
    with pytest.raises(ValidationError) as exc:
        app_services.submit(p.user, app, good_data())
    assert "“申报”阶段已于" in str(exc.value) and "截止" in str(exc.value)
    call = setup_services.advance_stage(staff, call)
    assert call.current_stage == Stage.NOMINATE
    with pytest.raises(ValidationError) as exc:
        app_services.submit(p.user, app, good_data())
    assert "当前处于“单位推荐”阶段，不能进行“申报”" in str(exc.value)
    with pytest.raises(PermissionDenied):
        setup_services.advance_stage(province["users"]["demo-city-a"], call)
    for _expected in (Stage.FORMAL, Stage.REVIEW_CORR, Stage.NOTICE, Stage.RESULT):
        call = setup_services.advance_stage(staff, call)
        assert call.current_stage == _expected
    with pytest.raises(ValidationError):
        setup_services.advance_stage(staff, call)


# ---- quotas -------------------------------------------------------------------------------------
def _submitted_apps(province, call, nominator, n):
    out = []
    for i in range(n):
        p = make_person(province["city_a"], name=f"申请人{i}", user=True)
        app = app_services.start_application(p.user, call, person=p, nominator=nominator)
        out.append(app_services.submit(p.user, app, good_data()))
    return out


def test_nominations_stay_within_quota(province, staff):
    a = province["city_a"]
    call = make_call(province)
    setup_services.set_quotas(staff, call, {a: 1})
    with pytest.raises(ValidationError) as exc:
        p = make_person(a, user=True)
        app_services.start_application(p.user, call, person=p, nominator=province["city_b"])
    assert "没有推荐名额" in str(exc.value)
    first, second = _submitted_apps(province, call, a, 2)
    call = setup_services.advance_stage(staff, call)
    user_a = province["users"]["demo-city-a"]
    with pytest.raises(PermissionDenied):
        app_services.nominate(province["users"]["demo-city-b"], first)
    app_services.nominate(user_a, first)
    with pytest.raises(ValidationError) as exc:
        app_services.nominate(user_a, second)
    assert str(exc.value.messages[0]) == "推荐名额已用完（1 / 1）。"
    assert setup_services.quota_usage(call, call.quotas.all())[0]["left"] == 0
    with pytest.raises(ValidationError) as exc:
        setup_services.set_quotas(staff, call, {a: 0})
    assert "名额不能少于已用数" in str(exc.value)
    app_services.withdraw(first.applicant_person.user, first)  # a withdrawn nomination frees its place
    app_services.nominate(user_a, second)
    with pytest.raises(ValidationError) as exc:
        app_services.decline(user_a, second, "不再推荐")
    assert str(exc.value.messages[0]) == "只能处理已提交的申报（当前：已推荐）。"


def test_decline_and_stage_end_close_unnominated(province, staff):
    a = province["city_a"]
    call = make_call(province)
    setup_services.set_quotas(staff, call, {a: 5})
    x, y, z = _submitted_apps(province, call, a, 3)
    call = setup_services.advance_stage(staff, call)
    user_a = province["users"]["demo-city-a"]
    with pytest.raises(ValidationError) as exc:
        app_services.decline(user_a, x, "  ")
    assert str(exc.value.messages[0]) == "不予推荐须说明理由。"
    app_services.decline(user_a, x, "材料与本单位推荐方向不符")
    app_services.nominate(user_a, y)
    setup_services.advance_stage(staff, call)
    statuses = dict(Application.objects.filter(call=call).values_list("pk", "status"))
    assert statuses == {x.pk: "not_nominated", y.pk: "nominated", z.pk: "not_nominated"}
    assert ApplicationEvent.objects.filter(application=z, action="stage", to_status="not_nominated").exists()


# ---- formal check -------------------------------------------------------------------------------
def test_formal_check_with_reasons_and_return_for_revision(province, staff):
    a = province["city_a"]
    call = make_call(province, nominate=False)
    x, y, z = _submitted_apps(province, call, None, 3)
    with pytest.raises(ValidationError) as exc:
        app_services.formal_check(staff, x, "pass")
    assert "当前处于“申报”阶段" in str(exc.value)
    call = setup_services.advance_stage(staff, call)
    with pytest.raises(ValidationError) as exc:
        app_services.formal_check(staff, x, "fail")
    assert str(exc.value.messages[0]) == "形式审查不通过或退回修改须说明理由。"
    with pytest.raises(PermissionDenied):
        app_services.formal_check(province["users"]["demo-city-a"], x, "pass")
    app_services.formal_check(staff, x, "fail", ["不符合申报条件"], "年龄超限")
    x.refresh_from_db()
    assert x.status == ApplicationStatus.FORMAL_FAILED and x.status_reason == "不符合申报条件；年龄超限"
    app_services.formal_check(staff, y, "return", ["附件不清晰或无效"])
    app_services.formal_check(staff, z, "pass")
    with pytest.raises(ValidationError) as exc:
        setup_services.advance_stage(staff, call)
    assert str(exc.value.messages[0]) == "还有 1 份申报未完成形式审查。"
    user_y = y.applicant_person.user
    y = app_services.save_draft(user_y, y, good_data(summary="补充了清晰的附件说明"))
    assert y.status == ApplicationStatus.RETURNED
    y = app_services.submit(user_y, y, good_data(summary="补充了清晰的附件说明"))
    assert y.status == ApplicationStatus.SUBMITTED and y.revision == 2
    app_services.formal_check(staff, y, "pass")
    setup_services.advance_stage(staff, call)
    assert set(Application.objects.filter(call=call).values_list("status", flat=True)) == {
        "formal_failed", "under_review"}
    history = list(y.events.values_list("action", flat=True))
    assert history == ["created", "submitted", "returned", "saved", "submitted", "formal_passed", "stage"]
    assert [e.data["summary"] for e in y.events.filter(action="submitted")] == [
        "在新型储能材料方面取得系列成果", "补充了清晰的附件说明"]
    del a


# ---- conflicts ----------------------------------------------------------------------------------
def test_every_conflict_reason(province, staff):
    a, society = province["city_a"], province["society"]
    branch = Organisation.objects.filter(prefix_q("path", [society.path]), depth=society.depth + 1,
                                         kind__code="society_branch").first()
    nominator = child_of(a)
    call = make_call(province)
    setup_services.set_quotas(staff, call, {nominator: 5})
    applicant = make_person(a, name="李申报", employer=branch, employer_name="东海大学计算机学院", user=True)
    other_app_person = make_person(a, name="王另报", employer_name="某某公司", user=True)
    e = {k: make_person(a, name=n, employer_name=emp, employer=org) for k, n, emp, org in [
        ("employer", "赵同校", "东海大学（玉泉校区）", None),
        ("legal", "钱同会", "", society),
        ("nominator", "孙推荐", "", nominator),
        ("collab", "周合作", "西山研究所", None),
        ("relative", "吴亲属", "", None),
        ("avoid", "郑回避", "", None),
        ("declared", "冯声明", "", None),
        ("clean", "陈无关", "南湖医院", None),
    ]}
    own = make_person(a, name="卫自报", user=True)
    app = app_services.start_application(applicant.user, call, person=applicant, nominator=nominator)
    app = app_services.save_draft(applicant.user, app, {
        "collaborators": [{"name": "周合作", "employer": "西山研究所第二室"}, {"name": "周合作", "employer": "别处"}],
        "relatives": [{"name": "吴亲属", "person_id": e["relative"].pk}],
        "avoid_requests": [{"person_id": e["avoid"].pk, "name": "郑回避", "reason": "学术观点分歧"}]})
    app2 = app_services.start_application(other_app_person.user, call, person=other_app_person)
    app_services.start_application(own.user, call, person=own)
    assignment = ReviewAssignment.objects.create(call=call, application=app, expert=e["declared"],
                                                 org_path=call.org_path)
    expert_services.declare_conflict(staff, app, e["declared"], "曾共同承担项目")
    assert ReviewAssignment.objects.get(pk=assignment.pk).status == AssignmentStatus.RELEASED

    experts = [*e.values(), own]
    found = C.conflicts(call, experts, [app, app2])
    expect = {
        (e["employer"].pk, app.pk): ["employer"],
        (e["legal"].pk, app.pk): ["legal_entity"],
        (e["nominator"].pk, app.pk): ["nominator"],
        (e["collab"].pk, app.pk): ["collaborator"],
        (e["relative"].pk, app.pk): ["relative"],
        (e["avoid"].pk, app.pk): ["avoid_request"],
        (e["declared"].pk, app.pk): ["declared"],
        (own.pk, app.pk): ["own_application"],
        (own.pk, app2.pk): ["own_application"],
    }
    assert set(found) == set(expect)
    assert {k: sorted(v) for k, v in found.reasons.items()} == expect
    # An applicant reviewing their own application is caught too, and the default set is the whole call.
    assert "own_application" in C.conflicts(call, [applicant]).reasons[(applicant.pk, app.pk)]
    stranger = make_person(province["city_b"], user=True)
    with pytest.raises(PermissionDenied):
        expert_services.declare_conflict(stranger.user, app, e["clean"], "想回避")


def test_employer_names_normalise_to_the_legal_entity():
    n = C.normalise_employer
    assert n("东海大学 计算机学院") == n("东海大学（玉泉校区）") == "东海大学"
    assert n("ＡＢＣ科技有限公司") == "abc科技有限公司"
    assert n("西山研究所第二室") == "西山研究所"
    assert n("東海大學醫學院") == "东海大学"  # traditional characters, as identity resolution reads them
    assert n("") == ""


def test_conflicts_scale_set_based(province, staff):
    """2,000 applications × 1,000 experts: a handful of queries, whatever the pair count."""
    from django.test.utils import CaptureQueriesContext

    call = make_call(province, nominate=False)
    org = province["city_a"]
    people = Person.objects.bulk_create([Person(name=f"批量{i}", org=org, org_path=org.path,
                                                employer_name=f"第{i % 300}研究所") for i in range(3000)])
    Application.objects.bulk_create([Application(call=call, applicant_person=p, org_path=org.path, title=p.name,
                                                 status="submitted") for p in people[:2000]])
    experts = people[2000:]
    with CaptureQueriesContext(connection) as q:
        found = C.conflicts(call, experts)
    assert len(q.captured_queries) <= 8
    # Same employer name: each of the 300 institutes has ~6-7 applicants and ~3-4 experts.
    sample = next(iter(found))
    assert found.reasons[sample] == ["employer"]
    assert len(found) == sum(1 for i in range(2000) for j in range(2000, 3000) if i % 300 == j % 300)


# ---- affinity -----------------------------------------------------------------------------------
def test_affinity_orders_by_discipline_level_and_keywords(province):
    a = province["city_a"]
    five = Discipline.objects.filter(code__regex=r"^\d{5}$").order_by("code")
    d = five.first()
    sibling = five.filter(code__startswith=d.code[:3]).exclude(pk=d.pk).first()
    other = five.exclude(code__startswith=d.code[:3]).first()
    call = make_call(province, nominate=False)
    applicant = make_person(a, user=True)
    app = app_services.start_application(applicant.user, call, person=applicant)
    app = app_services.save_draft(applicant.user, app, {"keywords": "储能、电池", "discipline": d.code})

    def expert(name, code, words):
        p = make_person(a, name=name)
        Person.objects.filter(pk=p.pk).update(expertise=words)
        PersonDiscipline.objects.create(person=p, discipline=Discipline.objects.get(code=code))
        return p

    best = expert("甲", d.code, ["储能", "电池"])
    half_kw = expert("乙", d.code, ["电池", "光伏"])
    same5 = expert("丙", d.code, ["水利"])
    same3 = expert("丁", sibling.code, [])
    none = expert("戊", other.code, ["储能 "])  # keyword only (normalised)
    unrelated = expert("己", other.code, [])
    aff = C.affinity([best, half_kw, same5, same3, none, unrelated], [app])
    scores = [aff.score(p.pk, app.pk) for p in (best, half_kw, same5, same3, none, unrelated)]
    assert scores == pytest.approx([0.8, 0.6, 0.4, 0.2, 0.2, 0.0])
    mask = aff.conflict_mask({(none.pk, app.pk), (999999, app.pk)})
    assert mask.shape == (6, 1) and mask[:, 0].tolist() == [False, False, False, False, True, False]
    pairs = {(e, ap): round(sc, 4) for e, ap, sc in aff.pairs(0.3)}
    assert pairs == {(best.pk, app.pk): 0.8, (half_kw.pk, app.pk): 0.6, (same5.pk, app.pk): 0.4}


# ---- scope --------------------------------------------------------------------------------------
def test_city_a_never_sees_city_b_applications(province, staff):
    call = make_call(province, nominate=False)
    pa = make_person(province["city_a"], user=True)
    pb = make_person(child_of(province["city_b"]), name="乙城申请人", user=True)
    app_a = app_services.start_application(pa.user, call, person=pa, title="甲城申报")
    app_b = app_services.start_application(pb.user, call, person=pb, title="乙城申报专用标题")
    user_a = province["users"]["demo-city-a"]
    visible = set(Application.objects.for_user(user_a).filter(call=call).values_list("pk", flat=True))
    assert visible == {app_a.pk}
    assert set(Application.objects.for_user(staff).filter(call=call).values_list("pk", flat=True)) == {
        app_a.pk, app_b.pk}
    client = login("demo-city-a")
    assert client.get(f"/calls/applications/{app_b.pk}/").status_code == 404
    assert client.get(f"/calls/applications/{app_a.pk}/").status_code == 200
    body = client.get(f"/calls/{call.pk}/applications/").content.decode()
    assert "甲城申报" in body and "乙城申报专用标题" not in body
    with pytest.raises(PermissionDenied):
        app_services.save_draft(user_a, app_b, {"summary": "x"})


# ---- concurrency (PostgreSQL) -------------------------------------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_nominators_racing_for_the_last_place():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises every write anyway")
    from tests.conftest import seed_tiny

    seed_tiny()
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    province = {"users": users, "root": users["demo-province"].assignments.get().organisation,
                "city_a": users["demo-city-a"].assignments.get().organisation}
    staff_ = users["demo-province"]
    a = province["city_a"]
    call = make_call(province)
    setup_services.set_quotas(staff_, call, {a: 2})
    apps = _submitted_apps(province, call, a, 3)
    setup_services.advance_stage(staff_, call)
    app_services.nominate(users["demo-city-a"], apps[0])  # one place left
    second = User.objects.create(username="calls-nominator-2")
    grant_role(SYSTEM, second, a, "staff")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(user, app):
        try:
            barrier.wait()
            app_services.nominate(user, app)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(str(exc.messages[0]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(users["demo-city-a"], apps[1])),
               threading.Thread(target=run, args=(second, apps[2]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "推荐名额已用完（2 / 2）。"]
    assert Application.objects.filter(call=call, status="nominated").count() == 2
    assert ApplicationEvent.objects.filter(application__call=call, action="nominated").count() == 2


# ---- pages --------------------------------------------------------------------------------------
def test_pages_from_call_to_formal_check(province, staff, tmp_path, settings):
    import io
    import json

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from tests.test_calls_setup import setup_post

    settings.MEDIA_ROOT = tmp_path
    a = province["city_a"]
    admin = login("demo-province")
    # the set-up page's formsets (tests/test_calls_setup.py), the application form imported as a JSON file
    resp = admin.post("/calls/new/", setup_post(
        owner=province["root"].pk, code="page-call", name="页面测试批次",
        stages=[{"code": s["code"], "deadline": s["deadline"]} for s in stages(timezone.localdate())],
        rules=[{"rule": "age", "on": "2026-12-31", "max_age": "35"}],
        rubric=[{k: str(v) for k, v in c.items()} for c in RUBRIC],
        setup_file=SimpleUploadedFile("form.json", json.dumps(FORM).encode())))
    assert resp.status_code == 302, resp.content.decode()[:2000]
    call = Call.objects.get(code="page-call")
    assert (call.form_schema, call.rubric) == (FORM, RUBRIC)
    bad = admin.post("/calls/new/", setup_post(owner=province["root"].pk, code="page-call-2", name="x",
                                               stages=[{"code": "apply"}]))
    assert bad.status_code == 400 and "阶段必须从“申报”开始，以“结果”结束。" in bad.content.decode()
    lib = expert_services.create_library(province["users"]["demo-province"], owner=province["root"], name="专家库")
    setup_services.edit_call(province["users"]["demo-province"], call, expert_library=lib)
    assert admin.post(f"/calls/{call.pk}/open/").status_code == 302
    assert admin.post(f"/calls/{call.pk}/quotas/", {f"q-{a.pk}": "1"}).status_code == 302
    # an organisation deeper in the owner's subtree is added by search, with its places; without places: refused
    from kexie.orgs.widgets import shown

    deep = Organisation.objects.filter(path__startswith=a.path, depth=a.depth + 1).first()
    bad = admin.post(f"/calls/{call.pk}/quotas/", {"add": shown(deep)})
    assert bad.status_code == 400 and "请填写该推荐单位的名额。" in bad.content.decode()
    assert not call.quotas.filter(organisation=deep).exists()
    assert admin.post(f"/calls/{call.pk}/quotas/", {"add": shown(deep), "add_places": "2"}).status_code == 302
    assert call.quotas.get(organisation=deep).places == 2 and call.quotas.get(organisation=a).places == 1
    assert deep.name in admin.get(f"/calls/{call.pk}/quotas/").content.decode()

    person = make_person(a, user=True)
    client = Client()
    client.force_login(person.user)
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "您符合本批次的申报条件。" in page and "开始申报" in page
    resp = client.post(f"/calls/{call.pk}/apply/", {"nominator": a.pk, "title": "页面申报"})
    app = Application.objects.get(call=call, applicant_person=person)
    assert resp.status_code == 302 and resp["Location"] == f"/calls/applications/{app.pk}/fill/"
    assert client.get(f"/calls/applications/{app.pk}/fill/").status_code == 200
    rows = client.post(f"/calls/applications/{app.pk}/rows/", {"table": "papers", "op": "add",
                                                               "t-papers-0-title": "甲"})
    assert rows.status_code == 200 and 'name="t-papers-1-title"' in rows.content.decode()
    post = {"title": "页面申报", "nominator": a.pk, "f-summary": "成果", "f-keywords": "储能、电池",
            "f-discipline": "43020", "t-papers-0-title": "固态电解质", "t-papers-0-year": "2024",
            "avoid_requests-0-name": "某专家", "avoid_requests-0-reason": "", "action": "save",
            # the people lists are Django formsets (their management forms are on the page)
            **{f"{k}-{m}": v for k, n in (("avoid_requests", 3), ("collaborators", 5), ("relatives", 3))
               for m, v in (("TOTAL_FORMS", str(n)), ("INITIAL_FORMS", "0"))}}
    resp = client.post(f"/calls/applications/{app.pk}/fill/", post)
    assert resp.status_code == 400 and "申请回避“某专家”须说明理由。" in resp.content.decode()
    post["avoid_requests-0-reason"] = "存在竞争关系"
    post["file-letter"] = SimpleUploadedFile("letter.exe", b"MZ")
    resp = client.post(f"/calls/applications/{app.pk}/fill/", post)
    assert resp.status_code == 400 and "只接受 pdf 格式的文件" in resp.content.decode()
    post["file-letter"] = SimpleUploadedFile("letter.pdf", b"%PDF-1.4")
    post["action"] = "submit"
    resp = client.post(f"/calls/applications/{app.pk}/fill/", post)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    app.refresh_from_db()
    assert app.status == "submitted" and app.data["letter"]["name"] == "letter.pdf"
    assert app.avoid_requests == [{"name": "某专家", "employer": "", "person_id": None, "reason": "存在竞争关系"}]
    assert client.get(f"/calls/applications/{app.pk}/file/?key=letter").status_code == 200
    detail = client.get(f"/calls/applications/{app.pk}/").content.decode()
    assert "页面申报" in detail and "提交" in detail
    assert client.get(f"/calls/applications/{app.pk}/fill/").status_code == 302  # no edits after submit

    assert admin.post(f"/calls/{call.pk}/advance/").status_code == 302
    noms = login("demo-city-a")
    page = noms.get(f"/calls/{call.pk}/nominations/").content.decode()
    assert a.name in page and "页面申报" in page
    assert noms.post(f"/calls/applications/{app.pk}/nominate/", {"verdict": "nominate"}).status_code == 302
    assert Application.objects.get(pk=app.pk).status == "nominated"
    admin.post(f"/calls/{call.pk}/advance/")
    assert "页面申报" in admin.get(f"/calls/{call.pk}/formal/").content.decode()
    admin.post(f"/calls/applications/{app.pk}/formal/", {"verdict": "return", "reasons": ["材料不齐全"],
                                                         "comment": "补充推荐信原件"})
    app.refresh_from_db()
    assert app.status == "returned" and app.status_reason == "材料不齐全；补充推荐信原件"
    export = admin.get(f"/calls/{call.pk}/export/")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True)
    sheet = list(wb.active.iter_rows(values_only=True))
    assert sheet[1][1] == "页面申报" and sheet[1][4] == "退回修改"
    assert "页面测试批次" in admin.get("/calls/").content.decode()

    resp = admin.post("/calls/experts/", {"owner": province["root"].pk, "name": "测试专家库"})
    lib_url = resp["Location"]
    admin.post(lib_url, {"people": str(person.pk)})
    page = admin.get(lib_url).content.decode()
    assert person.name in page
