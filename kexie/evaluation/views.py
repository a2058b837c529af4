"""Pages of the evaluation module: systems and runs, the indicator tree, the ranking of a run per
category, the explanation of one score, the Excel export, expert score entry, follow-ups."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.audit import history_for
from kexie.core.export import xlsx_sheets_response
from kexie.core.http import error_messages, join_messages
from kexie.core.models import AuditEntry
from kexie.core.scope import get_in_scope, path_in_scope, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.evaluation import services, sources
from kexie.evaluation.filters import ScoreFilter
from kexie.evaluation.forms import ExpertScoresForm, FollowUpForm, RunForm, StartRunForm, YearForm
from kexie.evaluation.models import (
    EvaluationRun,
    ExpertScore,
    FollowUp,
    Grade,
    IndicatorSystem,
    LeafScore,
    RunStatus,
    Score,
    SourceType,
    Stage,
)
from kexie.orgs.models import Organisation

PAGE_SIZE = 200


def _default_year() -> int:
    return timezone.localdate().year - 1


RUN_COLUMNS = (
    Column("system", gettext_lazy("指标体系"), ("system__code",)),
    Column("year", gettext_lazy("评价年度"), ("year",)),
    Column("at", gettext_lazy("执行时间"), ("run_at",), "hide-sm"),
    Column("by", gettext_lazy("执行人"), css="hide-sm"),
    Column("orgs", gettext_lazy("参评组织数"), ("organisations",), "num"),
    Column("missing", gettext_lazy("缺失数据项数"), ("missing_leaves",), "num"),
    Column("current", gettext_lazy("状态"), ("is_current",)),
)
# A run's ranking stays grouped by category whatever the sort (every order starts with the category).
SCORE_COLUMNS = (
    Column("rank", gettext_lazy("类别内排名"), ("category", "category_rank"), "num"),
    Column("org", gettext_lazy("组织"), ("category", "organisation__name")),
    Column("total", gettext_lazy("总分"), ("category", "total"), "num"),
    Column("grade", gettext_lazy("等次")),
    Column("overall", gettext_lazy("总排名"), ("category", "rank"), "num hide-sm"),
    Column("change", gettext_lazy("较上年"), ("category", "change"), "num"),
    Column("prev", gettext_lazy("上年等次"), css="hide-sm"),
    Column("missing", gettext_lazy("缺失数据"), ("category", "missing_count")),
    Column("links", ""),
)


@login_required
def system_list(request):
    systems = list(IndicatorSystem.objects.for_user(request.user).select_related("owner").order_by("code"))
    runs = (EvaluationRun.objects.for_user(request.user).filter(system__in=systems)
            .select_related("run_by", "system").order_by("-year", "-run_at", "-id"))
    runnable = [s for s in systems if user_can(request.user, "evaluation.change", s.org_path)]
    first = runnable[0] if runnable else None
    table = Table(request, runs, RUN_COLUMNS, row_template="evaluation/list.html#run", table_id="runs", empty=Empty(
        _("尚未进行评价。选择指标体系和年度后开始评价。"), _("打开指标体系") if first else "",
        reverse("evaluation:system", args=[first.pk]) if first else ""))
    start = StartRunForm(systems=runnable, initial={"year": _default_year()}) if runnable else None
    return render(request, "evaluation/list.html", {"systems": systems, "table": table, "start": start})


@login_required
@require_POST
def run_start(request):
    """开始评价 from the list page: the chosen system (one the user may run) and year."""
    runnable = [s for s in IndicatorSystem.objects.for_user(request.user).order_by("code")
                if user_can(request.user, "evaluation.change", s.org_path)]
    if not runnable:
        raise PermissionDenied(_("只有组织评价单位可以进行评价。"))
    form = StartRunForm(request.POST, systems=runnable)
    if not form.is_valid():
        messages.error(request, join_messages([str(e) for errs in form.errors.values() for e in errs]))
        return redirect("evaluation:list")
    system = next(s for s in runnable if s.pk == form.cleaned_data["system"])
    return _run(request, system, form.cleaned_data["year"], back="evaluation:list")


def _tree(system: IndicatorSystem) -> list[dict]:
    indicators = list(system.indicators.order_by("order", "id"))
    groups = [i for i in indicators if i.parent_id is None]
    schema = sources.report_schema(system.report_form)
    return [{"group": g, "leaves": [{"leaf": i, "rule": sources.method_text(i),
                                     "source": sources.source_text(i, schema)} for i in indicators
                                    if i.parent_id == g.pk]} for g in groups]


@login_required
def system_detail(request, pk: int):
    system = get_in_scope(IndicatorSystem.objects.select_related("owner"), request.user, pk)
    runs = EvaluationRun.objects.for_user(request.user).filter(system=system).select_related("run_by")
    can_run = user_can(request.user, "evaluation.change", system.org_path)
    return render(request, "evaluation/system.html", {
        "system": system, "tree": _tree(system), "runs": runs, "can_run": can_run,
        "form": RunForm(initial={"year": _default_year()}) if can_run else None,
        "has_expert": system.indicators.filter(source_type=SourceType.EXPERT).exists(),
    })


@login_required
@require_POST
def run_create(request, pk: int):
    system = get_in_scope(IndicatorSystem.objects.all(), request.user, pk, "evaluation.change")
    if not user_can(request.user, "evaluation.change", system.org_path):  # seeing scores is not running the system
        raise PermissionDenied(_("只有组织评价单位可以进行评价。"))
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, join_messages([str(e) for errs in form.errors.values() for e in errs]))
        return redirect("evaluation:system", pk=system.pk)
    return _run(request, system, form.cleaned_data["year"])


def _run(request, system: IndicatorSystem, year: int, back: str = ""):
    """Queue the run (the background task computes it; decision 0047) and open its page, which shows the
    progress until the ranking is ready. A second start while one runs is refused with the reason."""
    try:
        run = services.queue_run(request.user, system, year)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, join_messages(error_messages(exc)))
        return redirect(back) if back else redirect("evaluation:system", pk=system.pk)
    run.refresh_from_db()  # the immediate task backend (the demo) has already run it
    if run.status == RunStatus.DONE:
        messages.success(request, _("已完成 %(year)s 年度评价：%(n)s 个组织，用时 %(seconds)s 秒。")
                         % {"year": run.year, "n": run.organisations, "seconds": run.seconds})
    elif run.status == RunStatus.FAILED:
        messages.error(request, _("评价失败：%(reason)s") % {"reason": run.error})
    else:
        messages.success(request, _("已开始 %(year)s 年度评价，正在后台计算，完成后本页显示排名。") % {"year": run.year})
    return redirect("evaluation:run", pk=run.pk)


def _scores(request, run: EvaluationRun, action: str):
    qs = Score.objects.for_user(request.user, action).filter(run=run).select_related("organisation")
    filt = ScoreFilter(request.GET, queryset=qs, run=run)
    return filt, filt.qs.order_by("category", "category_rank", "org_path")


@login_required
def run_detail(request, pk: int):
    run = get_in_scope(EvaluationRun.objects.select_related("system", "run_by"), request.user, pk)
    if services.recover_stale(run):
        run.refresh_from_db()
    other_runs = EvaluationRun.objects.for_user(request.user).filter(system=run.system).exclude(pk=run.pk)
    if run.status != RunStatus.DONE:
        return _run_progress(request, run, other_runs)
    if request.htmx and request.GET.get("poll"):  # the run finished while the page polled: show the ranking
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    filt, qs = _scores(request, run, "evaluation.view")
    table = Table(request, qs, SCORE_COLUMNS, row_template="evaluation/run.html#row", filterset=filt,
                  per_page=PAGE_SIZE, table_id="ranking", export_url=reverse("evaluation:run-export", args=[run.pk]),
                  empty=Empty(_("本次评价在您的范围内没有参评组织。"), _("返回指标体系"),
                              reverse("evaluation:system", args=[run.system_id]),
                              filtered=_("没有符合条件的评价结果。")))
    category = None
    for s in table.page:  # a category's heading above its first row on the page
        s.first_of_category = s.category != category
        category = s.category
    return render(request, "evaluation/run.html", {
        "run": run, "system": run.system, "filter": filt, "table": table,
        "grades": [(g, label, run.grade_counts.get(g, 0)) for g, label in Grade.choices],
        "other_runs": other_runs,
    })


def _run_progress(request, run: EvaluationRun, other_runs):
    """A queued, running or failed run: its status, the progress (organisations scored of the total) to those
    who may run the system, polled every 2 s until it is done; a failure's reason and a new start."""
    can_run = user_can(request.user, "evaluation.change", run.org_path)
    context = {"run": run, "system": run.system, "can_run": can_run, "other_runs": other_runs,
               "form": RunForm(initial={"year": run.year}) if can_run and run.status == RunStatus.FAILED else None}
    if request.htmx and request.GET.get("poll"):
        return render(request, "evaluation/progress.html#status", context)
    return render(request, "evaluation/progress.html", context)


@login_required
def run_export(request, pk: int):
    run = get_in_scope(EvaluationRun.objects.select_related("system"), request.user, pk, "evaluation.export")
    if run.status != RunStatus.DONE:
        messages.error(request, _("评价尚未完成，完成后才能导出结果。"))
        return redirect("evaluation:run", pk=run.pk)
    _filt, qs = _scores(request, run, "evaluation.export")
    grades = dict(Grade.choices)

    def score_rows():
        for s in qs.iterator(chunk_size=2000):
            yield (s.organisation.code, s.organisation.name, _(s.category), float(s.total), str(grades[s.grade]),
                   s.category_rank, s.category_size, s.rank,
                   float(s.prev_total) if s.prev_total is not None else None,
                   float(s.change) if s.change is not None else None,
                   str(grades[s.prev_grade]) if s.prev_grade else "", s.missing_count, s.missing_report)

    def leaf_rows():
        leaves = (LeafScore.objects.filter(score__in=qs.values("pk"))
                  .select_related("indicator__parent")
                  .order_by("score__category", "score__category_rank", "score__org_path", "indicator__order")
                  .values_list("score__organisation__code", "score__organisation__name", "indicator__parent__name",
                               "indicator__name", "indicator__source_type", "indicator__source", "raw", "missing",
                               "points", "indicator__weight", "rule"))
        labels = dict(SourceType.choices)
        for code, name, group, indicator, stype, source, raw, missing, points, weight, rule in leaves.iterator(
                chunk_size=5000):
            yield (code, name, group, indicator, f"{labels[stype]} {source}".strip(), raw, missing, float(points),
                   float(weight), rule)

    score_headers = [_("组织编码"), _("组织名称"), _("类别"), _("总分"), _("等次"), _("类别内排名"), _("类别内参评数"),
                     _("总排名"), _("上年总分"), _("较上年变化"), _("上年等次"), _("缺失数据项数"), _("无已通过的年报")]
    leaf_headers = [_("组织编码"), _("组织名称"), _("一级指标"), _("二级指标"), _("数据来源"), _("原始数据"), _("数据缺失"),
                    _("得分"), _("分值"), _("计分过程")]
    title = f"{run.system.name}-{run.year}"
    return xlsx_sheets_response(title, [(_("评价结果"), score_headers, score_rows()),
                                        (_("指标得分"), leaf_headers, leaf_rows())])


@login_required
def score_detail(request, pk: int):
    score = get_in_scope(Score.objects.select_related("run__system", "organisation")
                         .filter(run__status=RunStatus.DONE), request.user, pk)
    leaves = list(LeafScore.objects.filter(score=score).select_related("indicator__parent")
                  .order_by("indicator__order", "indicator_id"))
    groups: list[dict] = []
    schema = sources.report_schema(score.run.system.report_form)
    for leaf in leaves:
        leaf.source_text = sources.source_text(leaf.indicator, schema)  # type: ignore[attr-defined]
        parent = leaf.indicator.parent
        if not groups or groups[-1]["group"] != parent:
            groups.append({"group": parent, "leaves": [], "points": Decimal(0)})
        groups[-1]["leaves"].append(leaf)
        groups[-1]["points"] += leaf.points
    total = sum((g["points"] for g in groups), Decimal(0))
    return render(request, "evaluation/score.html", {
        "score": score, "run": score.run, "system": score.run.system, "groups": groups, "sum": total,
        "category": _(score.category),
        "adds_up": total == score.total, "follow_ups": FollowUp.objects.for_user(request.user)
        .filter(organisation=score.organisation).select_related("decided_by", "run"),
    })


# -- expert scores -----------------------------------------------------------------------------------------------

def _expert_targets(request, system: IndicatorSystem) -> list[Organisation]:
    """The organisations the user may score: evaluated by the system, under a body in the user's
    ``change`` scope (see services._evaluator_path)."""
    paths = scope_paths(request.user, "evaluation.change")
    return [o for o in services.targets(system).orgs
            if path_in_scope(services._evaluator_path(o), paths)]


@login_required
def expert_scores(request, pk: int):
    system = get_in_scope(IndicatorSystem.objects.all(), request.user, pk)
    indicators = list(system.indicators.filter(source_type=SourceType.EXPERT).order_by("order"))
    if not indicators:
        raise Http404(_("该指标体系没有专家评分指标。"))
    picked = YearForm(request.POST if request.method == "POST" else request.GET)
    year = (picked.cleaned_data["year"] if picked.is_valid() else None) or _default_year()
    orgs = _expert_targets(request, system)
    existing = {(e.organisation_id, e.indicator_id): e for e in
                ExpertScore.objects.for_user(request.user).filter(system=system, year=year)}
    errors: list[str] = []
    if request.method == "POST":
        if not orgs:
            raise PermissionDenied(_("您无权为该体系的参评组织录入专家评分。"))
        saved = 0
        grid = ExpertScoresForm(request.POST, orgs=orgs, indicators=indicators)
        if not grid.is_valid():
            errors.append(join_messages([str(e) for errs in grid.errors.values() for e in errs]))
        for org, ind, text, note in grid.entries() if not errors else ():
            old = existing.get((org.pk, ind.pk))
            if old is not None and _same(old.value, text):
                continue
            try:
                services.enter_expert_score(request.user, ind, year, org, text, note)
                saved += 1
            except (ValidationError, PermissionDenied) as exc:
                errors.append(f"{org.name}：{join_messages(error_messages(exc))}")
        if not errors:
            messages.success(request, _("已保存 %(n)s 项专家评分。") % {"n": saved})
            return redirect(f"{request.path}?year={year}")
    rows = [{"org": o, "cells": [{"indicator": ind, "score": existing.get((o.pk, ind.pk)),
                                  "name": f"v-{o.pk}-{ind.pk}", "note": f"n-{o.pk}-{ind.pk}"}
                                 for ind in indicators]} for o in orgs]
    return render(request, "evaluation/expert.html", {
        "system": system, "indicators": indicators, "year": year, "rows": rows, "errors": errors,
    }, status=400 if errors else 200)


def _same(value: Decimal, text: str) -> bool:
    try:
        return Decimal(text).quantize(Decimal("0.01")) == value
    except ArithmeticError:
        return False


# -- follow-ups ---------------------------------------------------------------------------------------------------

FOLLOW_UP_COLUMNS = (
    Column("stage", gettext_lazy("处理环节")),
    Column("on", gettext_lazy("决定日期")),
    Column("by", gettext_lazy("决定人")),
    Column("run", gettext_lazy("依据的评价")),
    Column("note", gettext_lazy("情况说明")),
    Column("at", gettext_lazy("记录时间"), css="hide-sm"),
)


@login_required
def follow_ups(request, pk: int):
    org = get_in_scope(Organisation.objects.all(), request.user, pk)
    steps = list(FollowUp.objects.for_user(request.user).filter(organisation=org)
                 .select_related("decided_by", "run__system").order_by("created_at", "id"))
    scores = list(Score.objects.for_user(request.user).filter(organisation=org, run__status=RunStatus.DONE)
                  .select_related("run__system").order_by("-run__year", "-run__run_at"))
    can_decide = user_can(request.user, "evaluation.change", services._evaluator_path(org))
    choices = services.next_stages(org) if can_decide else []
    form = None
    if choices:
        runs = [s.run for s in scores if s.run.is_current]
        form = FollowUpForm(request.POST or None, stages=choices, runs=runs,
                            initial={"decided_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                services.record_follow_up(request.user, org, form.cleaned_data["run"], form.cleaned_data["stage"],
                                          form.cleaned_data["note"], form.cleaned_data["decided_on"])
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, join_messages(error_messages(exc)))
            else:
                messages.success(request, _("已记录。"))
                return redirect("evaluation:follow-ups", pk=org.pk)
    elif request.method == "POST":
        raise PermissionDenied(_("您无权记录该组织的后续处理，或处理已结束。"))
    history: list[AuditEntry] = []
    for step in steps:
        history.extend(history_for(step))
    return render(request, "evaluation/follow_ups.html", {
        "org": org, "steps": steps, "scores": scores, "form": form, "can_decide": can_decide,
        "table": Table(request, steps, FOLLOW_UP_COLUMNS, row_template="evaluation/follow_ups.html#step", per_page=100,
                       empty=Empty(_("暂无后续处理记录。"), _("记录下一步") if form else "", "#next-step" if form else "")),
        "stages": [Stage.INTERVIEW.label, Stage.WARNING.label, Stage.REVOKED.label], "history": history,
        "fail": Grade.FAIL,
    }, status=400 if request.method == "POST" else 200)
