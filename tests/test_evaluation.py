"""综合能力评价: the scoring methods at their boundaries, rounding, ranks and grades with ties, missing
data, categories, year-over-year change, presets run on the seeded province with accepted reports,
the ``kexie eval`` command, expert scores, the exit rule's follow-ups, pages, export and scope."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal

import numpy as np
import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from kexie.core.models import AuditEntry
from kexie.core.scope import prefix_q
from kexie.core.services import SYSTEM
from kexie.evaluation import engine, services
from kexie.evaluation.engine import Grading, Leaf
from kexie.evaluation.models import (
    EvaluationRun,
    ExpertScore,
    FollowUp,
    Grade,
    Indicator,
    IndicatorSystem,
    LeafScore,
    Score,
    Stage,
)
from kexie.orgs.models import Organisation, Sector
from kexie.reports.models import Campaign, FormVersion, ReportForm, Submission, SubmissionStatus

NAN = float("nan")
YEAR = 2031
CATS = ["a"] * 4


def one(values, method, params=None, categories=None, weight=10.0):
    raw = np.array(values, dtype=float).reshape(-1, 1)
    cats = categories or ["x"] * len(values)
    result = engine.evaluate(raw, cats, [Leaf("k", weight, method, params or {})], Grading("score"))
    return result.fractions[:, 0].tolist(), result


# -- methods at their boundaries ---------------------------------------------------------------------------------

def test_bands_boundaries():
    params = {"bands": [[20, 1], [10, 0.5]]}  # given unordered on purpose
    fractions, result = one([9.99, 10, 19.99, 20, 1000, NAN, 0.1 + 0.2 + 9.7], "bands", params)
    assert fractions == [0, 0.5, 0.5, 1, 1, 0, 0.5]  # 10.000000000000002-ish still reaches 10
    assert result.missing[:, 0].tolist() == [False] * 5 + [True, False]


def test_linear_clipped_and_reversed():
    fractions, _ = one([-5, 0, 25, 50, 60, NAN], "linear", {"low": 0, "high": 50})
    assert fractions == [0, 0, 0.5, 1, 1, 0]
    fractions, _ = one([10, 0, 5, 12], "linear", {"low": 10, "high": 0})  # smaller is better
    assert fractions == [0, 1, 0.5, 0]


def test_best_peer_within_category_and_without_positive_best():
    fractions, result = one([10, 5, NAN, 4, 2, 0, -1, -3], "best_peer",
                            categories=["a", "a", "a", "b", "b", "c", "c", "c"])
    assert fractions[:5] == [1, 0.5, 0, 1, 0.5]
    assert fractions[5:] == [0, 0, 0]  # best is 0 in c: nobody earns anything
    assert result.refs[:, 0].tolist()[:5] == [10, 10, 10, 4, 4]


def test_percentile_mid_rank_with_ties_and_missing():
    fractions, result = one([1, 2, 2, 3, NAN], "percentile")
    assert fractions == [0.0, 0.5, 0.5, 1.0, 0.0]  # the missing one is no peer: n = 4; ties share their mean
    assert result.refs[0, 0] == 4
    fractions, _ = one([7, 7, 7], "percentile")
    assert fractions == [0.5, 0.5, 0.5]
    # Reporting 0 where most report 0 earns little, not nearly full marks.
    fractions, _ = one([0, 0, 0, 0, 0, 0, 0, 0, 9, 12], "percentile")
    assert fractions[0] < 0.5 and fractions[-1] == 1.0 and fractions[-2] == 8 / 9
    fractions, _ = one([5], "percentile")
    assert fractions == [1]


def test_rounding_half_up_and_exact_totals():
    raw = np.array([[0.535, 1 / 3, 0.125]])
    leaves = [Leaf("a", 5, "linear", {"low": 0, "high": 1}), Leaf("b", 3, "linear", {"low": 0, "high": 1}),
              Leaf("c", 0.1, "linear", {"low": 0, "high": 1})]
    result = engine.evaluate(raw, ["x"], leaves, Grading("score"))
    assert result.cents.tolist() == [[268, 100, 1]]  # 2.675 → 2.68; 1.00; 0.0125 → 0.01
    assert result.total_cents.tolist() == [369]


def test_random_matrix_sums_ranks_and_grades_are_consistent():
    rng = np.random.default_rng(3)
    n, m = 500, 24
    raw = rng.integers(0, 40, size=(n, m)).astype(float)
    raw[rng.random((n, m)) < 0.1] = np.nan
    raw[:, 3] = rng.random(n)
    cats = rng.choice(["理科", "工科", "农科", "医科", "交叉"], size=n)
    methods = [("bands", {"bands": [[5, 0.3], [15, 0.7], [30, 1]]}), ("linear", {"low": 0, "high": 30}),
               ("best_peer", {}), ("percentile", {})]
    leaves = [Leaf(f"l{j}", [2.5, 3, 5, 4.2][j % 4], *methods[j % 4]) for j in range(m)]
    result = engine.evaluate(raw, cats, leaves, Grading("share", shares={"excellent": 0.2, "good": 0.3,
                                                                           "pass": 0.4}))
    assert (result.cents.sum(axis=1) == result.total_cents).all()
    assert (result.cents[np.isnan(raw)] == 0).all() and result.missing.sum() == np.isnan(raw).sum()
    order = {g: i for i, g in enumerate(engine.GRADES)}
    for c in set(cats):
        idx = np.flatnonzero(cats == c)
        for i in idx:
            for k in idx:
                if result.total_cents[i] > result.total_cents[k]:
                    assert result.category_rank[i] < result.category_rank[k]
                    assert order[result.grade[i]] <= order[result.grade[k]]
                elif result.total_cents[i] == result.total_cents[k]:
                    assert result.category_rank[i] == result.category_rank[k]
                    assert result.grade[i] == result.grade[k]
        assert (result.category_size[idx] == idx.size).all()


# -- ranks and grades -------------------------------------------------------------------------------------------

def test_competition_ranking():
    assert engine.competition_rank(np.array([70, 90, 80, 80])).tolist() == [4, 1, 2, 2]
    assert engine.competition_rank(np.array([5, 5, 5])).tolist() == [1, 1, 1]


def test_grade_by_score_at_the_bands():
    cents = np.array([9000, 8999, 7500, 7499, 6000, 5999, 0])
    bands = {"excellent": 90, "good": 75, "pass": 60}
    assert engine.grade_by_score(cents, bands) == ["excellent", "good", "good", "pass", "pass", "fail", "fail"]


def test_grade_by_share_without_ties():
    cents = np.arange(100, 0, -10)  # 10 distinct totals
    grades = engine.grade_by_share(cents, [np.arange(10)], {"excellent": 0.2, "good": 0.3, "pass": 0.4})
    assert grades == ["excellent"] * 2 + ["good"] * 3 + ["pass"] * 4 + ["fail"]


def test_grade_by_share_never_splits_ties():
    shares = {"excellent": 0.2, "good": 0.3, "pass": 0.4}
    # a tie across the 优秀 boundary (positions 2 and 3) stays whole: three 优秀
    cents = np.array([100, 90, 90, 80, 70, 60, 50, 40, 30, 20])
    grades = engine.grade_by_share(cents, [np.arange(10)], shares)
    assert grades[:4] == ["excellent"] * 3 + ["good"]
    # a tie starting just after the boundary (positions 3 and 4) is all 良好
    cents = np.array([100, 95, 90, 90, 80, 70, 60, 50, 40, 30])
    grades = engine.grade_by_share(cents, [np.arange(10)], shares)
    assert grades[:4] == ["excellent", "excellent", "good", "good"]
    # everyone equal: everyone shares the first position
    assert set(engine.grade_by_share(np.full(7, 50), [np.arange(7)], shares)) == {"excellent"}


def test_grade_by_share_per_category_with_a_floor():
    cents = np.array([9000, 8000, 7000, 6000, 5000, 9500, 5500, 5000, 4000, 3000])
    groups = [np.arange(5), np.arange(5, 10)]
    grades = engine.grade_by_share(cents, groups, {"excellent": 0.2, "good": 0.2, "pass": 0.4}, fail_below=55)
    assert grades[:5] == ["excellent", "good", "pass", "pass", "fail"]
    assert grades[5:] == ["excellent", "good", "fail", "fail", "fail"]  # 50.00 and 40.00 are under the floor


def test_categories_are_evaluated_separately():
    raw = np.array([[10.0], [5.0], [2.0], [1.0]])
    result = engine.evaluate(raw, ["理科", "理科", "工科", "工科"], [Leaf("k", 10, "best_peer")],
                             Grading("score", bands={"excellent": 9}))
    assert result.total_cents.tolist() == [1000, 500, 1000, 500]
    assert result.category_rank.tolist() == [1, 2, 1, 2]
    assert result.rank.tolist() == [1, 3, 1, 3]
    assert result.grade == ["excellent", "fail", "excellent", "fail"]


def test_missing_everything_is_zero_flagged_and_kept():
    raw = np.array([[NAN, NAN], [1.0, 2.0]])
    leaves = [Leaf("a", 5, "percentile"), Leaf("b", 5, "linear", {"low": 0, "high": 2})]
    result = engine.evaluate(raw, ["x", "x"], leaves, Grading("score", bands={"pass": 60}))
    assert result.total_cents.tolist() == [0, 1000]
    assert result.missing.tolist() == [[True, True], [False, False]]
    assert result.rank.tolist() == [2, 1] and result.grade == ["fail", "fail"]


def test_engine_is_fast_for_a_province():
    import time

    rng = np.random.default_rng(1)
    n, m = 2000, 30
    raw = rng.random((n, m)) * 100
    raw[rng.random((n, m)) < 0.05] = np.nan
    cats = rng.choice(list("ABCDE"), size=n)
    leaves = [Leaf(f"l{j}", 100 / m, ["bands", "linear", "best_peer", "percentile"][j % 4],
                   {"bands": [[10, 0.5], [50, 1]], "low": 0, "high": 100}) for j in range(m)]
    started = time.perf_counter()
    engine.evaluate(raw, cats, leaves, Grading("share", shares={"excellent": 0.2, "good": 0.3, "pass": 0.4}))
    assert time.perf_counter() - started < 1.0


# -- definitions -------------------------------------------------------------------------------------------------

def test_definition_errors_in_chinese():
    data = services.load_preset("society_annual")
    data["groups"][0]["weight"] = 25
    data["groups"][1]["leaves"][0]["method"] = "magic"
    data["groups"][2]["leaves"][0]["source"] = "popsci_events / a / b"
    data["groups"][3]["leaves"][0]["source_type"] = "registry"
    data["groups"][3]["leaves"][0]["source"] = "no_such_metric"
    with pytest.raises(ValidationError) as exc:
        services.validate_definition(data)
    text = "\n".join(exc.value.messages)
    assert "一级指标“组织建设”的分值 25.00 与其二级指标分值之和 20.00 不一致" in text
    assert "计分方法“magic”不存在" in text
    assert "最多只能有一个除号" in text
    assert "登记数据“no_such_metric”不存在" in text


def test_presets_are_valid_two_level_and_sum_to_100():
    for preset_id, _name in services.presets():
        data = services.load_preset(preset_id)
        services.validate_definition(data)
        assert sum(Decimal(str(g["weight"])) for g in data["groups"]) == 100
        assert "依据" in data["description"] and ".txt" not in data["description"]  # sources by title, no file names
    ids = [p for p, _n in services.presets()]
    assert ids == ["county_capability", "society_annual"]


# -- on the seeded province --------------------------------------------------------------------------------------

def _form(province, code: str) -> FormVersion:
    root = province["root"]
    form, _ = ReportForm.objects.get_or_create(code=code, defaults={"name": code, "owner": root,
                                                                      "org_path": root.path})
    return FormVersion.objects.create(form=form, number=(form.versions.count() + 1) * 100, schema={},
                                      status="published", org_path=root.path)


def accept_reports(province, code: str, year: int, data_by_org: dict[Organisation, dict]) -> Campaign:
    """An accepted submission per organisation, written through the reports models."""
    root = province["root"]
    campaign = Campaign.objects.create(version=_form(province, code), name=f"{code} {year}", year=year, owner=root,
                                       org_path=root.path, opens_on=dt.date(year + 1, 1, 1),
                                       deadline=dt.date(year + 1, 3, 31))
    for org, data in data_by_org.items():
        Submission.objects.create(campaign=campaign, organisation=org, org_path=org.path,
                                  status=SubmissionStatus.ACCEPTED, data=data)
    return campaign


def society_data(k: int) -> dict:
    events = [{"name": f"会议{j}", "held_on": "2031-05-01", "level": "省级", "participants": 50 + 10 * j + k,
               "papers": 3 + j} for j in range(k % 4)]
    return {"individual_members": 100 + 10 * k, "senior_members": 5 + k, "student_members": 10, "new_members": k,
            "group_members": 3, "branches": 2, "staff_fulltime": k % 6, "secretary_fulltime": "是",
            "academic_events": events, "journals": k % 3, "core_journals": k % 2, "popsci_events": 2 * k,
            "popsci_audience": 100 * k, "enterprises_served": k % 7, "tech_projects": k % 5, "trainings": 20 * k,
            "group_standards": k % 4, "gov_functions": k % 6, "decision_reports": k % 5, "awards_recommended": k,
            "income_total": 100 + k, "dues_income": 10 + k, "gov_purchase_income": k, "expense_total": 100}


@pytest.fixture
def societies(province):
    orgs = list(Organisation.objects.alive().filter(kind__code="society").order_by("path"))
    # two categories: the first eight become 工科 (分类评价)
    Organisation.objects.filter(pk__in=[o.pk for o in orgs[:8]]).update(sector=Sector.ENGINEERING)
    return orgs


@pytest.fixture
def society_run(province, societies):
    filed = societies[:-4]  # the last four file nothing: missing data
    accept_reports(province, "society_annual", YEAR, {o: society_data(k) for k, o in enumerate(filed)})
    system = services.install_preset(SYSTEM, "society_annual")
    return services.run_evaluation(SYSTEM, system, YEAR)


def _leaf_sums_match(run: EvaluationRun) -> None:
    sums: dict[int, Decimal] = {}
    for score_id, points in LeafScore.objects.filter(score__run=run).values_list("score_id", "points"):
        sums[score_id] = sums.get(score_id, Decimal(0)) + points
    scores = dict(Score.objects.filter(run=run).values_list("pk", "total"))
    assert sums == scores


@pytest.mark.django_db
def test_install_preset_once(province):
    system = services.install_preset(SYSTEM, "society_annual")
    assert services.install_preset(SYSTEM, "society_annual").pk == system.pk
    assert system.owner == province["root"] and system.org_path == province["root"].path
    groups = system.indicators.filter(parent__isnull=True)
    leaves = system.indicators.filter(parent__isnull=False)
    assert groups.count() == 6 and leaves.count() == 24
    assert not leaves.filter(children__isnull=False).exists()  # two levels only
    for g in groups:
        assert sum(c.weight for c in g.children.all()) == g.weight
    assert AuditEntry.objects.filter(action="evaluation.system.created", object_id=system.pk).exists()


@pytest.mark.django_db
def test_society_run_scores_everyone_with_explanations(province, societies, society_run):
    run = society_run
    scores = {s.organisation_id: s for s in Score.objects.filter(run=run)}
    assert set(scores) == {o.pk for o in societies} and run.organisations == len(societies)
    _leaf_sums_match(run)
    assert LeafScore.objects.filter(score__run=run).count() == 24 * len(societies)
    # categories by sector, ranked separately
    assert {s.category for s in scores.values()} == {"理科", "工科"}
    eng = sorted((s for s in scores.values() if s.category == "工科"), key=lambda s: s.category_rank)
    assert eng[0].category_rank == 1 and all(s.category_size == 8 for s in eng)
    assert all(a.total >= b.total for a, b in zip(eng, eng[1:], strict=False))
    # the four that filed nothing: report leaves missing (flagged, 0 points, rule says why), registry leaves scored
    for org in societies[-4:]:
        s = scores[org.pk]
        assert s.missing_report and s.missing_count == 21  # 20 report leaves + the expert score
        leaf = LeafScore.objects.get(score=s, indicator__code="academic_events")
        assert leaf.missing and leaf.points == 0 and leaf.raw is None and "无已通过的年报" in leaf.rule
        reg = LeafScore.objects.get(score=s, indicator__code="members_registered")
        assert not reg.missing and reg.raw is not None
    # a filer's leaf explains itself down to the raw figure
    first = societies[1]
    leaf = LeafScore.objects.get(score=scores[first.pk], indicator__code="dues_share")
    assert leaf.raw == pytest.approx(11 / 101)
    assert "(0.1089 − 0) ÷ (0.3 − 0)" in leaf.rule and f"= {leaf.points} 分" in leaf.rule
    assert not leaf.missing
    # grades by share within each category (20 % / 30 % / 40 % / rest), ties whole
    sci = [s for s in scores.values() if s.category == "理科"]
    assert sum(1 for s in sci if s.grade == Grade.EXCELLENT) >= engine.quota(len(sci), 0.2)
    assert run.grade_counts[Grade.FAIL] >= 1
    assert AuditEntry.objects.filter(action="evaluation.run.created", object_id=run.pk).exists()


@pytest.mark.django_db
def test_expert_scores_count_and_are_audited(province, societies):
    system = services.install_preset(SYSTEM, "society_annual")
    expert = system.indicators.get(code="expert_review")
    target = societies[0]
    with pytest.raises(PermissionDenied):
        services.enter_expert_score(province["users"]["demo-city-a"], expert, YEAR, target, 80)
    with pytest.raises(ValidationError) as exc:
        services.enter_expert_score(province["users"]["demo-province"], expert, YEAR, target, 120)
    assert "专家评分须在 0 到 100 之间" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        services.enter_expert_score(province["users"]["demo-province"], system.indicators.get(code="journals"),
                                    YEAR, target, 50)
    # a society does not grade itself
    with pytest.raises(PermissionDenied):
        services.enter_expert_score(province["users"]["demo-society"], expert, YEAR, province["society"], 90)
    services.enter_expert_score(province["users"]["demo-province"], expert, YEAR, target, "75.5", "规范")
    services.enter_expert_score(province["users"]["demo-province"], expert, YEAR, target, 80)
    assert ExpertScore.objects.get(indicator=expert, organisation=target, year=YEAR).value == Decimal("80.00")
    entries = AuditEntry.objects.filter(action__startswith="evaluation.expertscore",
                                        object_id=ExpertScore.objects.get(indicator=expert, organisation=target,
                                                                          year=YEAR).pk).order_by("id")
    assert [e.action for e in entries] == ["evaluation.expertscore.created", "evaluation.expertscore.changed"]
    run = services.run_evaluation(SYSTEM, system, YEAR)
    leaf = LeafScore.objects.get(score__run=run, score__organisation=target, indicator=expert)
    assert leaf.raw == 80 and leaf.points == Decimal("6.40") and not leaf.missing
    other = LeafScore.objects.get(score__run=run, score__organisation=societies[1], indicator=expert)
    assert other.missing and "未录入专家评分" in other.rule


@pytest.mark.django_db
def test_year_over_year_and_history(province, societies):
    accept_reports(province, "society_annual", YEAR - 1, {o: society_data(1) for o in societies})
    accept_reports(province, "society_annual", YEAR, {o: society_data(k) for k, o in enumerate(societies)})
    system = services.install_preset(SYSTEM, "society_annual")
    before = services.run_evaluation(SYSTEM, system, YEAR - 1)
    first = services.run_evaluation(SYSTEM, system, YEAR)
    again = services.run_evaluation(SYSTEM, system, YEAR)
    first.refresh_from_db()
    assert again.is_current and not first.is_current and Score.objects.filter(run=first).exists()
    assert services.current_run(system, YEAR) == again
    prev = dict(Score.objects.filter(run=before).values_list("organisation_id", "total"))
    for s in Score.objects.filter(run=again):
        assert s.prev_total == prev[s.organisation_id]
        assert s.change == s.total - prev[s.organisation_id]
    assert Score.objects.filter(run=before, prev_total__isnull=True).count() == len(societies)


@pytest.mark.django_db
def test_county_preset_uses_reports_and_registry(province):
    counties = list(Organisation.objects.alive().filter(kind__code="kx", level="county").order_by("path"))
    data = {o: {"townships_total": 4, "four_heads": k, "staff_posts": 10, "staff_actual": 5 + k % 6,
                "academic_events": k, "enterprises_served": k, "popsci_events": k, "popsci_audience": 100 * k,
                "volunteer_activities": k, "popsci_bases": k % 4, "decision_reports": k % 5, "budget": 50 + k,
                "popsci_budget": 10, "literacy_rate": 12.5} for k, o in enumerate(counties[:10])}
    accept_reports(province, "county_annual", YEAR, data)
    system = services.install_preset(SYSTEM, "county_capability")
    run = services.run_evaluation(SYSTEM, system, YEAR)
    assert run.organisations == len(counties)
    _leaf_sums_match(run)
    first = counties[0]
    townships = Organisation.objects.alive().filter(prefix_q("path", [first.path]), level="township").count()
    leaf = LeafScore.objects.get(score__run=run, score__organisation=first, indicator__code="township_coverage")
    assert leaf.raw == pytest.approx(townships / 4)
    rate = LeafScore.objects.get(score__run=run, score__organisation=first, indicator__code="literacy_rate")
    assert rate.fraction == pytest.approx(0.5) and rate.points == Decimal("3.00")
    assert {s.category for s in Score.objects.filter(run=run)} == {"全部"}
    for s in Score.objects.filter(run=run):  # score bands
        expected = ("excellent" if s.total >= 85 else "good" if s.total >= 75 else "pass" if s.total >= 60
                    else "fail")
        assert s.grade == expected


# -- the command --------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_cli_presets_and_json_run(province, societies, capsys):
    call_command("eval", "presets")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == ["county_capability\t县级科协能力提升评价", "society_annual\t学会综合能力评价"]
    accept_reports(province, "society_annual", YEAR, {o: society_data(k) for k, o in enumerate(societies[:12])})
    call_command("eval", "run", "society_annual", "--year", str(YEAR), "--format", "json")
    out = capsys.readouterr().out
    rows = json.loads(out, parse_float=Decimal)
    assert {r["code"] for r in rows} == {o.code for o in societies}
    assert re.search(r'"total": \d+\.\d\d,', out)  # two decimals, as a number
    for r in rows:
        assert set(r) >= {"code", "name", "category", "total", "grade", "rank", "leaves"}
        assert r["grade"] in {"优秀", "良好", "合格", "不合格"}
        assert isinstance(r["total"], Decimal) and isinstance(r["rank"], int)
        assert sum(leaf["points"] for leaf in r["leaves"]) == r["total"]
        assert len(r["leaves"]) == 24 and all(set(leaf) >= {"indicator", "raw", "points"} for leaf in r["leaves"])
        assert all(leaf["raw"] is None for leaf in r["leaves"] if leaf["missing"])
    by_cat: dict[str, list] = {}
    for r in rows:
        by_cat.setdefault(r["category"], []).append(r)
    for group in by_cat.values():
        for a in group:
            assert a["rank"] == 1 + sum(1 for b in group if b["total"] > a["total"])
    call_command("eval", "run", "county_capability", "--year", str(YEAR))
    assert "县级科协能力提升评价 2031 年度：评价 26 个组织" in capsys.readouterr().out
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="预置指标体系“nope”不存在"):
        call_command("eval", "run", "nope", "--year", "2031")


# -- follow-ups ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_follow_ups_go_in_order(province, society_run):
    staff = province["users"]["demo-province"]
    failed = Score.objects.filter(run=society_run, grade=Grade.FAIL).select_related("organisation").first()
    passed = Score.objects.filter(run=society_run).exclude(grade=Grade.FAIL).select_related("organisation").first()
    org = failed.organisation
    with pytest.raises(ValidationError, match="只有评价为不合格的组织才能启动约谈"):
        services.record_follow_up(staff, passed.organisation, society_run, Stage.INTERVIEW)
    with pytest.raises(ValidationError, match="处理须依次进行"):
        services.record_follow_up(staff, org, society_run, Stage.WARNING)
    with pytest.raises(PermissionDenied):
        services.record_follow_up(province["users"]["demo-city-a"], org, society_run, Stage.INTERVIEW)
    assert services.next_stages(org) == [Stage.INTERVIEW]
    services.record_follow_up(staff, org, society_run, Stage.INTERVIEW, "约谈秘书长")
    assert set(services.next_stages(org)) == {Stage.WARNING, Stage.RECTIFIED}
    with pytest.raises(ValidationError):
        services.record_follow_up(staff, org, society_run, Stage.REVOKED)
    services.record_follow_up(staff, org, society_run, Stage.WARNING, "书面警告")
    services.record_follow_up(staff, org, society_run, Stage.REVOKED, "常委会决定")
    with pytest.raises(ValidationError, match="已撤销团体会员资格"):
        services.record_follow_up(staff, org, society_run, Stage.RECTIFIED)
    steps = list(FollowUp.objects.filter(organisation=org).order_by("id"))
    assert [s.stage for s in steps] == [Stage.INTERVIEW, Stage.WARNING, Stage.REVOKED]
    assert all(s.decided_by == staff and s.decided_on == dt.date.today() for s in steps)
    assert AuditEntry.objects.filter(action="evaluation.followup.created").count() == 3
    with pytest.raises(ValidationError, match="决定日期不能晚于今天"):
        other = Score.objects.filter(run=society_run, grade=Grade.FAIL).exclude(organisation=org).first()
        services.record_follow_up(staff, other.organisation, society_run, Stage.INTERVIEW,
                                  decided_on=dt.date.today() + dt.timedelta(days=3))


@pytest.mark.django_db
def test_rectified_closes_a_case(province, society_run):
    staff = province["users"]["demo-province"]
    org = Score.objects.filter(run=society_run, grade=Grade.FAIL).first().organisation
    services.record_follow_up(staff, org, society_run, Stage.INTERVIEW)
    services.record_follow_up(staff, org, society_run, Stage.RECTIFIED, "已整改")
    assert services.next_stages(org) == [Stage.INTERVIEW]


# -- scope --------------------------------------------------------------------------------------------------------

@pytest.fixture
def county_run(province):
    system = services.install_preset(SYSTEM, "county_capability")
    return services.run_evaluation(SYSTEM, system, YEAR)


@pytest.mark.django_db
def test_city_a_sees_only_its_counties(province, county_run):
    user_a = province["users"]["demo-city-a"]
    a, b = province["city_a"], province["city_b"]
    mine = Score.objects.for_user(user_a)
    assert mine.exists() and all(s.org_path.startswith(a.path) for s in mine)
    assert not mine.filter(prefix_q("org_path", [b.path])).exists()
    assert IndicatorSystem.objects.for_user(user_a).filter(pk=county_run.system_id).exists()
    assert EvaluationRun.objects.for_user(user_a).filter(pk=county_run.pk).exists()
    assert not IndicatorSystem.objects.for_user(user_a).filter(code="society_annual").exists()
    assert LeafScore.objects.for_user(user_a).count() == mine.count() * 16
    assert Indicator.objects.for_user(province["users"]["demo-volunteer"]).count() == 0


# -- pages and export ---------------------------------------------------------------------------------------------

def _xlsx(resp):
    content = b"".join(resp.streaming_content) if resp.streaming else resp.content
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


@pytest.mark.django_db
def test_pages_for_the_province(province, client_province, society_run, settings, django_capture_on_commit_callbacks):
    html = client_province.get("/evaluation/").content.decode()
    assert "学会综合能力评价" in html and f"/evaluation/runs/{society_run.pk}/" in html
    system = society_run.system
    html = client_province.get(f"/evaluation/systems/{system.pk}/").content.decode()
    assert "规范管理" in html and "dues_income / income_total" in html and "分档计分" in html
    html = client_province.get(f"/evaluation/runs/{society_run.pk}/").content.decode()
    assert "工科" in html and "理科" in html and "无已通过的年报" in html
    failing = Score.objects.filter(run=society_run, grade=Grade.FAIL).first()
    assert f"/evaluation/orgs/{failing.organisation_id}/follow-ups/" in html
    html = client_province.get(f"/evaluation/runs/{society_run.pk}/?category=工科&grade=excellent").content.decode()
    assert "<h3>理科</h3>" not in html and "<h3>工科</h3>" in html
    score = Score.objects.filter(run=society_run, missing_report=False).first()
    html = client_province.get(f"/evaluation/scores/{score.pk}/").content.decode()
    assert f"总分 {score.total}" in html and "明细之和与总分不一致" not in html
    assert "(0." in html and "× 4 分 =" in html  # the dues-share rule, in words
    # run again from the page (the background task runs at once: the immediate backend, decision 0047)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_province.post(f"/evaluation/systems/{system.pk}/run/", {"year": YEAR})
    new = EvaluationRun.objects.get(system=system, year=YEAR, is_current=True)
    assert resp.status_code == 302 and resp["Location"] == f"/evaluation/runs/{new.pk}/" and new.pk != society_run.pk
    resp = client_province.post(f"/evaluation/systems/{system.pk}/run/", {"year": "1999"}, follow=True)
    assert "评价年度须在 2000 到 2100 之间" in resp.content.decode()


@pytest.mark.django_db
def test_export_has_every_score_and_its_leaves(province, client_province, society_run):
    sheets = _xlsx(client_province.get(f"/evaluation/runs/{society_run.pk}/export/"))
    results, leaves = sheets["评价结果"], sheets["指标得分"]
    assert results[0][:5] == ("组织编码", "组织名称", "类别", "总分", "等次")
    totals = {r[0]: Decimal(str(r[3])) for r in results[1:]}
    assert len(totals) == Score.objects.filter(run=society_run).count()
    sums: dict[str, Decimal] = {}
    for r in leaves[1:]:
        sums[r[0]] = sums.get(r[0], Decimal(0)) + Decimal(str(r[7]))
    assert sums == totals
    assert any(r[6] == "是" and "按 0 分计" in r[9] for r in leaves[1:])  # missing data is in the export too


@pytest.mark.django_db
def test_city_a_pages_hold_only_city_a(province, client_a, county_run):
    a, b = province["city_a"], province["city_b"]
    b_county = Organisation.objects.filter(prefix_q("path", [b.path]), level="county").first()
    a_county = Organisation.objects.filter(prefix_q("path", [a.path]), level="county").first()
    html = client_a.get("/evaluation/").content.decode()
    assert "县级科协能力提升评价" in html
    html = client_a.get(f"/evaluation/runs/{county_run.pk}/").content.decode()
    assert a_county.name in html and b_county.name not in html
    sheets = _xlsx(client_a.get(f"/evaluation/runs/{county_run.pk}/export/"))
    codes = {r[0] for r in sheets["评价结果"][1:]}
    assert a_county.code in codes and b_county.code not in codes
    assert {r[0] for r in sheets["指标得分"][1:]} == codes
    b_score = Score.objects.get(run=county_run, organisation=b_county)
    assert client_a.get(f"/evaluation/scores/{b_score.pk}/").status_code == 404
    assert client_a.post(f"/evaluation/systems/{county_run.system_id}/run/", {"year": YEAR}).status_code == 403
    assert EvaluationRun.objects.filter(system_id=county_run.system_id, year=YEAR).count() == 1
    assert client_a.get(f"/evaluation/orgs/{b_county.pk}/follow-ups/").status_code == 404
    assert client_a.get(f"/evaluation/orgs/{a_county.pk}/follow-ups/").status_code == 200


@pytest.mark.django_db
def test_expert_score_page(province, client_province, societies):
    system = services.install_preset(SYSTEM, "society_annual")
    expert = system.indicators.get(code="expert_review")
    url = f"/evaluation/systems/{system.pk}/expert/?year={YEAR}"
    html = client_province.get(url).content.decode()
    assert societies[0].name in html
    name = f"v-{societies[0].pk}-{expert.pk}"
    resp = client_province.post(url, {"year": YEAR, name: "88.5", f"n-{societies[0].pk}-{expert.pk}": "材料齐全"})
    assert resp.status_code == 302
    assert ExpertScore.objects.get(organisation=societies[0], year=YEAR).value == Decimal("88.50")
    resp = client_province.post(url, {"year": YEAR, f"v-{societies[1].pk}-{expert.pk}": "150"})
    assert resp.status_code == 400 and "专家评分须在 0 到 100 之间" in resp.content.decode()
    assert not ExpertScore.objects.filter(organisation=societies[1], year=YEAR).exists()
    from tests.conftest import login
    assert login("demo-city-a").get(url).status_code == 404  # the society system is not in city A's scope


@pytest.mark.django_db
def test_follow_up_page(province, client_province, society_run):
    org = Score.objects.filter(run=society_run, grade=Grade.FAIL).first().organisation
    url = f"/evaluation/orgs/{org.pk}/follow-ups/"
    html = client_province.get(url).content.decode()
    assert "约谈" in html and "暂无后续处理记录" in html
    resp = client_province.post(url, {"stage": Stage.WARNING, "run": society_run.pk, "decided_on": "2031-01-01"})
    assert resp.status_code == 400  # not offered before 约谈
    resp = client_province.post(url, {"stage": Stage.INTERVIEW, "run": society_run.pk,
                                      "decided_on": dt.date.today().isoformat(), "note": "约谈秘书长"})
    assert resp.status_code == 302
    html = client_province.get(url).content.decode()
    assert "约谈秘书长" in html and str(province["users"]["demo-province"]) in html and "警告" in html
    from tests.conftest import login
    assert login("demo-society").post(url, {"stage": Stage.WARNING, "run": society_run.pk,
                                            "decided_on": dt.date.today().isoformat()}).status_code in (403, 404)
    assert FollowUp.objects.filter(organisation=org).count() == 1


@pytest.mark.django_db
def test_category_by_city(province):
    data = services.load_preset("county_capability")
    data.update(code="county-by-city", category_rule="city")
    system = services.create_system(province["users"]["demo-province"], data)
    run = services.run_evaluation(province["users"]["demo-province"], system, YEAR)
    a = province["city_a"]
    mine = Score.objects.filter(run=run, org_path__startswith=a.path)
    assert {s.category for s in mine} == {a.name}
    assert sorted(s.category_rank for s in mine) == [1, 1] or sorted(s.category_rank for s in mine) == [1, 2]
    assert all(s.category_size == mine.count() for s in mine)
    with pytest.raises(PermissionDenied):
        services.create_system(province["users"]["demo-city-a"], {**data, "code": "x"}, owner=province["city_b"])


def test_staff_start_a_run_from_the_list_page_and_read_labels_not_keys(province, settings,
                                                                      django_capture_on_commit_callbacks):
    """Issue 15 item 5: 开始评价 on /evaluation/ (a system the user may run, a year); the pages name the person who
    ran it, the demo entered expert scores (no organisation lacks them all), sources read as labels, and the
    ranking's filters offer 全部, not 未知."""
    from kexie.evaluation.models import EvaluationRun, IndicatorSystem
    from tests.conftest import login

    client = login("demo-province")
    page = client.get("/evaluation/").content.decode()
    assert 'id="start-run"' in page and "开始评价" in page
    system = IndicatorSystem.objects.get(preset="society_annual")
    seeded = EvaluationRun.objects.filter(system=system).latest("run_at")
    assert seeded.run_by.username == "demo-province"
    assert seeded.scores.filter(missing_count=0).exists()  # expert scores were entered for most
    year = seeded.year
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/evaluation/run/", {"system": system.pk, "year": year})
    run = EvaluationRun.objects.filter(system=system, year=year).latest("run_at")
    assert resp.status_code == 302 and resp["Location"] == f"/evaluation/runs/{run.pk}/" and run.pk != seeded.pk
    assert run.run_by.username == "demo-province"
    assert client.post("/evaluation/run/", {"system": 999999, "year": year}).status_code == 302  # refused, said why
    assert EvaluationRun.objects.filter(system=system, year=year).count() == 2
    assert login("demo-city-a").post("/evaluation/run/", {"system": system.pk, "year": year}).status_code in (302, 403)
    assert EvaluationRun.objects.filter(system=system, year=year).count() == 2
    detail = client.get(f"/evaluation/systems/{system.pk}/").content.decode()
    assert "个人会员数" in detail and "学术活动（条数）" in detail
    assert ">individual_members<" not in detail and ">academic_events.rows<" not in detail
    ranking = client.get(f"/evaluation/runs/{run.pk}/").content.decode()
    assert "未知" not in ranking and "全部" in ranking
