"""Writes of the evaluation module: install a preset, run an evaluation, enter expert scores, record the
exit rule's follow-ups. The server console (``kexie eval``) acts as ``kexie.core.services.SYSTEM``.

Runs keep history: a new run of the same system and year becomes current and the earlier one stays
(follow-ups refer to the run they were decided on); year-over-year change compares with the current
run of the year before.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kexie.core import bulk
from kexie.core.audit import log_action, snapshot
from kexie.core.scope import prefix_q
from kexie.core.services import SYSTEM, require
from kexie.evaluation import engine, sources
from kexie.evaluation.models import (
    CategoryRule,
    EvaluationRun,
    ExpertScore,
    FollowUp,
    Grade,
    GradingMode,
    Indicator,
    IndicatorSystem,
    LeafScore,
    Method,
    RunStatus,
    Score,
    SourceType,
    Stage,
)
from kexie.orgs.models import Level, Organisation, OrgStatus, Sector
from kexie.reports import registry
from kexie.reports.figures import report_values

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
INACTIVE = (OrgStatus.DISSOLVED, OrgStatus.REVOKED)
CENT = Decimal("0.01")
log = logging.getLogger(__name__)



# -- presets and validation --------------------------------------------------------------------------------------

def presets() -> list[tuple[str, str]]:
    """(id, name) of every preset shipped in ``presets/``."""
    out: list[tuple[str, str]] = []
    for path in sorted(PRESETS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out.append((path.stem, str(data["name"])))
    return out


def load_preset(preset_id: str) -> dict[str, Any]:
    path = PRESETS_DIR / f"{preset_id}.json"
    if not path.is_file() or path.parent != PRESETS_DIR:
        raise ValidationError(_("预置指标体系“%(id)s”不存在。"), params={"id": preset_id})
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _decimal(value: Any, what: str) -> Decimal:
    try:
        d = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise ValidationError(_("%(what)s的分值“%(value)s”不是数字。"), params={"what": what, "value": value}) from None
    if d < 0:
        raise ValidationError(_("%(what)s的分值不能为负数。"), params={"what": what})
    return d


def _check_method(leaf: dict[str, Any], name: str) -> None:
    method, params = leaf.get("method"), leaf.get("params") or {}
    if method not in Method.values:
        raise ValidationError(_("指标“%(name)s”的计分方法“%(method)s”不存在。"), params={"name": name, "method": method})
    try:
        if method == Method.BANDS:
            bands = [(float(t), float(s)) for t, s in params["bands"]]
            if not bands or any(not 0 <= s <= 1 for _t, s in bands):
                raise ValueError
        elif method == Method.LINEAR:
            if float(params["low"]) == float(params["high"]):
                raise ValueError
    except (KeyError, TypeError, ValueError):
        raise ValidationError(_("指标“%(name)s”的计分参数不完整或有误。"), params={"name": name}) from None


def validate_definition(data: dict[str, Any]) -> None:
    """Check a system definition (the preset JSON shape); ValidationError with Chinese messages."""
    errors: list[str] = []
    grading = data.get("grading") or {}
    if grading.get("mode") not in GradingMode.values:
        errors.append(_("定等规则须为按分数段或按比例。"))
    elif grading["mode"] == GradingMode.SHARE:
        shares = grading.get("shares") or {}
        if any(k not in engine.GRADES[:-1] for k in shares) or sum(float(v) for v in shares.values()) > 1 + 1e-9:
            errors.append(_("按比例定等次时，各等次比例之和不能超过 100%。"))
    elif any(k not in engine.GRADES[:-1] for k in grading.get("bands") or {}):
        errors.append(_("分数段只能设置优秀、良好、合格三个等次的下限。"))
    if data.get("category_rule", CategoryRule.NONE) not in CategoryRule.values:
        errors.append(_("分类方式不存在。"))
    codes: set[str] = set()
    groups = data.get("groups") or []
    if not groups:
        errors.append(_("指标体系至少需要一个一级指标。"))
    for group in groups:
        gname = str(group.get("name", ""))
        try:
            gweight = _decimal(group.get("weight"), gname)
            leaves = group.get("leaves") or []
            if not leaves:
                errors.append(_("一级指标“%(name)s”下没有二级指标。") % {"name": gname})
            total = Decimal(0)
            for leaf in leaves:
                lname = str(leaf.get("name", ""))
                total += _decimal(leaf.get("weight"), lname)
                if leaf.get("source_type") not in SourceType.values:
                    errors.append(_("指标“%(name)s”的数据来源不存在。") % {"name": lname})
                elif leaf["source_type"] != SourceType.EXPERT:
                    sources.parse(str(leaf.get("source", "")), leaf["source_type"])
                _check_method(leaf, lname)
                if leaf.get("code") in codes or group.get("code") == leaf.get("code"):
                    errors.append(_("指标代码“%(code)s”重复。") % {"code": leaf.get("code")})
                codes.add(str(leaf.get("code")))
            if total != gweight:
                errors.append(_("一级指标“%(name)s”的分值 %(group)s 与其二级指标分值之和 %(sum)s 不一致。")
                              % {"name": gname, "group": gweight, "sum": total})
        except ValidationError as exc:
            errors.extend(exc.messages)
        if group.get("code") in codes:
            errors.append(_("指标代码“%(code)s”重复。") % {"code": group.get("code")})
        codes.add(str(group.get("code")))
    if errors:
        raise ValidationError(errors)


def _default_owner() -> Organisation:
    owner: Organisation | None = Organisation.objects.alive().filter(depth=1).order_by("path").first()
    if owner is None:
        raise ValidationError(_("还没有任何组织，无法安装指标体系。"))
    return owner


@transaction.atomic
def install_preset(actor: Any, preset_id: str, owner: Organisation | None = None) -> IndicatorSystem:
    """Install a preset as an indicator system (once: an installed preset is returned as it is, so runs
    stay comparable year to year)."""
    data = load_preset(preset_id)
    existing = IndicatorSystem.objects.filter(code=data["code"]).first()
    if existing is not None:
        return existing
    return create_system(actor, data, owner=owner, preset=preset_id)


def create_system(actor: Any, data: dict[str, Any], *, owner: Organisation | None = None,
                  preset: str = "") -> IndicatorSystem:
    validate_definition(data)
    owner = owner or _default_owner()
    with transaction.atomic():
        require(actor, "evaluation.manage", owner.path)
        target = data.get("target") or {}
        system = IndicatorSystem.objects.create(
            code=data["code"], name=data["name"], description=data.get("description", ""), owner=owner,
            org_path=owner.path, target_kinds=list(target.get("kinds") or []),
            target_levels=list(target.get("levels") or []),
            category_rule=data.get("category_rule", CategoryRule.NONE), grading=data["grading"],
            report_form=data.get("report_form", ""), preset=preset,
            created_by=actor if getattr(actor, "pk", None) else None)
        order = 0
        for group in data["groups"]:
            order += 1
            parent = Indicator.objects.create(system=system, code=group["code"], name=group["name"],
                                              weight=_decimal(group["weight"], group["name"]), order=order,
                                              note=group.get("note", ""))
            for leaf in group["leaves"]:
                order += 1
                Indicator.objects.create(
                    system=system, parent=parent, code=leaf["code"], name=leaf["name"],
                    weight=_decimal(leaf["weight"], leaf["name"]), source_type=leaf["source_type"],
                    source=leaf.get("source", ""), method=leaf["method"], params=leaf.get("params") or {},
                    unit=leaf.get("unit", ""), note=leaf.get("note", ""), order=order)
        log_action(actor, "evaluation.system.created", system, scope_path=system.org_path,
                   after=snapshot(system, ["code", "name", "owner", "category_rule", "report_form"]),
                   extra={"indicators": order, "preset": preset})
    return system


# -- running -----------------------------------------------------------------------------------------------------

@dataclass
class Target:
    ids: list[int]
    orgs: list[Organisation]
    categories: list[str]


def targets(system: IndicatorSystem) -> Target:
    """The live, active organisations the system evaluates (kinds/levels in the owner's subtree), in path
    order, with their category (分类评价)."""
    qs = Organisation.objects.alive().filter(prefix_q("path", [system.org_path])).exclude(status__in=INACTIVE)
    if system.target_kinds:
        qs = qs.filter(kind__code__in=system.target_kinds)
    if system.target_levels:
        qs = qs.filter(level__in=system.target_levels)
    orgs = list(qs.order_by("path").only("id", "path", "depth", "code", "name", "sector"))
    labels = dict(Sector.choices)
    cities: dict[str, str] = {}
    if system.category_rule == CategoryRule.CITY:
        cities = dict(Organisation.objects.filter(level=Level.CITY, kind__code="kx")
                      .values_list("path", "name"))
    categories: list[str] = []
    with translation.override(None):  # categories are stored in Chinese (data), shown translated
        for o in orgs:
            if system.category_rule == CategoryRule.SECTOR:
                categories.append(str(labels[o.sector]) if o.sector else _("未分类"))
            elif system.category_rule == CategoryRule.CITY:
                city = next((cities[o.path[:n]] for n in range(len(o.path), 0, -Organisation.steplen)
                             if o.path[:n] in cities), "")
                categories.append(city or _("省直"))
            else:
                categories.append(_("全部"))
    return Target([o.pk for o in orgs], orgs, categories)


def _raw_matrix(system: IndicatorSystem, year: int, target: Target, leaves: list[Indicator]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Raw figures (n × m, NaN = missing) and, per organisation, whether it has an accepted report."""
    n = len(target.ids)
    exprs = {leaf.pk: sources.parse(leaf.source, leaf.source_type) for leaf in leaves
             if leaf.source_type != SourceType.EXPERT}
    report_keys = sorted({k for e in exprs.values() for k in e.refs(SourceType.REPORT)})
    registry_keys = sorted({k for e in exprs.values() for k in e.refs(SourceType.REGISTRY)})
    report: dict[int, dict[str, float | None]] = {}
    if system.report_form:
        report = report_values(system.report_form, year, report_keys)
    reg: dict[int, dict[str, float]] = {}
    if registry_keys:
        reg = registry.values(registry_keys, target.orgs)
    columns = sources.collect(target.orgs, target.ids, report, reg,
                              [(SourceType.REPORT.value, k) for k in report_keys]
                              + [(SourceType.REGISTRY.value, k) for k in registry_keys])
    has_report = np.array([oid in report for oid in target.ids], dtype=bool)
    position = {oid: i for i, oid in enumerate(target.ids)}
    raw = np.full((n, len(leaves)), np.nan)
    expert_cols = {leaf.pk: j for j, leaf in enumerate(leaves) if leaf.source_type == SourceType.EXPERT}
    if expert_cols:
        for ind, oid, value in ExpertScore.objects.filter(system=system, year=year).values_list(
                "indicator_id", "organisation_id", "value"):
            if ind in expert_cols and oid in position:
                raw[position[oid], expert_cols[ind]] = float(value)
    for j, leaf in enumerate(leaves):
        if leaf.pk in exprs:
            raw[:, j] = sources.evaluate(exprs[leaf.pk], columns, n)
    return raw, has_report


ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def progress_share() -> float:
    """A run writes its scores (and its progress) in batches of this share of its organisations."""
    return min(1.0, max(0.001, float(getattr(settings, "KEXIE_EVAL_PROGRESS_SHARE", 0.05))))


def stale_minutes() -> int:
    """A queued or running run whose progress has not moved for this long is taken for dead (its worker died)."""
    return int(getattr(settings, "KEXIE_EVAL_STALE_MINUTES", 30))


def active_run(system: IndicatorSystem, year: int) -> EvaluationRun | None:
    run: EvaluationRun | None = (EvaluationRun.objects.filter(system=system, year=year, status__in=ACTIVE)
                                 .order_by("-id").first())
    return run


def recover_stale(run: EvaluationRun) -> bool:
    """Fail a queued or running run whose progress stopped ``stale_minutes()`` ago (its partial scores
    removed), so that the year can be evaluated again. True when it was failed."""
    if run.status not in ACTIVE:
        return False
    beat = run.beat_at or run.run_at
    if beat is None or timezone.now() - beat < timedelta(minutes=stale_minutes()):
        return False
    with translation.override(settings.LANGUAGE_CODE):  # stored in Chinese, the record's language
        reason = _("评价中断：超过 %(minutes)s 分钟没有进度（后台任务可能已停止），可以重新开始评价。") % {
            "minutes": stale_minutes()}
    _fail(run, reason, None, only_active=True)
    return True


def queue_run(actor: Any, system: IndicatorSystem, year: int, *, enqueue: bool = True) -> EvaluationRun:
    """A queued run of ``system`` for ``year`` (checked now: the actor may run the system, it has indicators,
    no other run of the same system and year is queued or running); the background task is enqueued once the
    row is committed. The run becomes current only when it is done (``perform_run``)."""
    if not 1900 <= int(year) <= 2100:
        raise ValidationError(_("评价年度有误。"))
    with transaction.atomic():
        system = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
        require(actor, "evaluation.change", system.org_path)
        if not system.indicators.filter(parent__isnull=False).exists():
            raise ValidationError(_("该指标体系没有二级指标，无法评价。"))
        running = active_run(system, year)
        if running is not None and not recover_stale(running):
            raise ValidationError(
                _("%(system)s %(year)s 年度的评价正在进行（%(status)s），请等它完成后再开始。"),
                params={"system": system.name, "year": year, "status": running.get_status_display()})
        run = EvaluationRun.objects.create(
            system=system, year=year, org_path=system.org_path, is_current=False, status=RunStatus.QUEUED,
            run_by=actor if getattr(actor, "pk", None) else None, beat_at=timezone.now())
        log_action(actor, "evaluation.run.queued", run, scope_path=run.org_path, extra={"year": year})
        if enqueue:
            transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from kexie.evaluation.tasks import run_evaluation_task

    run_evaluation_task.enqueue(run_id)


def run_evaluation(actor: Any, system: IndicatorSystem, year: int) -> EvaluationRun:
    """Score every organisation the system evaluates for ``year`` and store the explanation, at once (the
    console, the seed): a queued run performed in this process. A refusal or failure raises (and is recorded
    on the run when it had started)."""
    run = queue_run(actor, system, year, enqueue=False)
    return perform_run(run.pk, actor=actor, raise_errors=True)


def perform_run(run_id: int, *, actor: Any = None, raise_errors: bool = False) -> EvaluationRun:
    """Run a queued run once (the background task): claim it, score every organisation, write the scores and
    their explanations in batches of ``progress_share()`` of the organisations with the progress on the run
    row (in autocommit: the page polls it), then make it the current result of its system and year. A refusal
    or error marks it failed with the Chinese reason and removes what it wrote. ``actor``: the console's
    actor; the task acts as the user who started the run, with that user's CURRENT roles. The reason is stored
    in Chinese (the record's language), whatever the interface language of a request that ran it."""
    with translation.override(settings.LANGUAGE_CODE):
        return _perform(run_id, actor, raise_errors)


def _perform(run_id: int, actor: Any, raise_errors: bool) -> EvaluationRun:
    claimed = EvaluationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, beat_at=timezone.now())
    run = EvaluationRun.objects.select_related("system", "run_by").get(pk=run_id)
    if not claimed:
        return run
    actor = actor or run.run_by  # the task acts as the person who started the run
    started = time.perf_counter()
    try:
        if not actor:
            raise PermissionDenied(_("开始评价的账号已不存在。"))
        if getattr(actor, "pk", None) and not actor.is_active:
            raise PermissionDenied(_("开始评价的账号已停用。"))
        with transaction.atomic():
            system = IndicatorSystem.objects.get(pk=run.system_id)
            require(actor, "evaluation.change", system.org_path)
            leaves = list(system.indicators.filter(parent__isnull=False).order_by("order", "id"))
            if not leaves:
                raise ValidationError(_("该指标体系没有二级指标，无法评价。"))
            target = targets(system)
            raw, has_report = _raw_matrix(system, run.year, target, leaves)
            engine_leaves = [engine.Leaf(leaf.code, float(leaf.weight), leaf.method, leaf.params) for leaf in leaves]
            result = engine.evaluate(raw, target.categories, engine_leaves,
                                     engine.Grading.from_config(system.grading))
            previous = _previous(system, run.year)
        n = len(target.ids)
        EvaluationRun.objects.filter(pk=run.pk).update(organisations=n, beat_at=timezone.now())
        step = max(1, math.ceil(n * progress_share()))
        for first in range(0, n, step):
            last = min(n, first + step)
            with transaction.atomic():
                score_ids = _write_scores(run, target, result, has_report, previous, first, last)
                _write_leaves(score_ids, leaves, raw, result, has_report, first)
            _progress(run, last)
        with transaction.atomic():
            IndicatorSystem.objects.select_for_update().get(pk=system.pk)
            EvaluationRun.objects.filter(system=system, year=run.year, is_current=True).exclude(pk=run.pk).update(
                is_current=False)
            done = dict(
                status=RunStatus.DONE, is_current=True, organisations=n, orgs_done=n, error="",
                missing_leaves=int(result.missing.sum()),
                orgs_with_missing=int(result.missing.any(axis=1).sum()) if n else 0,
                grade_counts={g: int(sum(1 for x in result.grade if x == g)) for g in Grade.values},
                finished_at=timezone.now(), beat_at=timezone.now())
            EvaluationRun.objects.filter(pk=run.pk).update(**done)
            for key, value in done.items():
                setattr(run, key, value)
            log_action(actor, "evaluation.run.created", run, scope_path=run.org_path,
                       extra={"year": run.year, "organisations": run.organisations,
                              "missing_leaves": run.missing_leaves, "grades": run.grade_counts})
    except (ValidationError, PermissionDenied) as exc:
        _fail(run, _join(exc), actor)
        if raise_errors:
            raise
        return run
    except Exception:
        log.exception("evaluation run %s failed", run_id)
        _fail(run, _("评价时发生内部错误，已记录在服务器日志中。请稍后重新开始评价，或联系系统管理员。"), actor)
        if raise_errors:
            raise
        return run
    # the time includes the commits (PostgreSQL checks the deferred foreign keys of every row there)
    run.seconds = round(time.perf_counter() - started, 3)
    EvaluationRun.objects.filter(pk=run.pk).update(seconds=run.seconds)
    return run


def _progress(run: EvaluationRun, done: int) -> None:
    """The organisations scored so far, on the run row (outside any transaction of the run: the page polls it)."""
    EvaluationRun.objects.filter(pk=run.pk).update(orgs_done=done, beat_at=timezone.now())


def _join(exc: Exception) -> str:
    messages = list(exc.messages) if isinstance(exc, ValidationError) else [str(exc)]
    return pgettext("message separator", "；").join(str(m) for m in messages if m) or _("评价失败。")


def _fail(run: EvaluationRun, reason: str, actor: Any, *, only_active: bool = False) -> None:
    """Mark ``run`` failed with ``reason`` (Chinese), its partial scores removed; never the current result."""
    with transaction.atomic():
        qs = EvaluationRun.objects.filter(pk=run.pk)
        if only_active:
            qs = qs.filter(status__in=ACTIVE)
        if not qs.update(status=RunStatus.FAILED, is_current=False, error=reason[:2000],
                         finished_at=timezone.now(), beat_at=timezone.now()):
            return
        LeafScore.objects.filter(score__run_id=run.pk).delete()
        Score.objects.filter(run_id=run.pk).delete()
        run.status, run.is_current, run.error = RunStatus.FAILED, False, reason[:2000]
        log_action(actor or SYSTEM, "evaluation.run.failed", run, scope_path=run.org_path,
                   extra={"year": run.year, "reason": reason[:500]})


def _previous(system: IndicatorSystem, year: int) -> dict[int, tuple[Decimal, str, int]]:
    prev = EvaluationRun.objects.filter(system=system, year=year - 1, is_current=True).first()
    if prev is None:
        return {}
    return {oid: (total, grade, rank) for oid, total, grade, rank in
            Score.objects.filter(run=prev).values_list("organisation_id", "total", "grade", "category_rank")}


def _cents(c: int) -> Decimal:
    return Decimal(int(c)).scaleb(-2).quantize(CENT)


def _write_scores(run: EvaluationRun, target: Target, result: engine.Result, has_report: np.ndarray,
                  previous: dict[int, tuple[Decimal, str, int]], first: int, last: int) -> list[int]:
    """The scores of the organisations ``first`` … ``last - 1`` (target order); their ids in that order."""
    missing_counts = result.missing.sum(axis=1) if len(target.ids) else np.zeros(0, dtype=np.int64)
    rows = []
    for i in range(first, last):
        org = target.orgs[i]
        prev = previous.get(org.pk)
        rows.append(Score(
            run=run, organisation_id=org.pk, org_path=org.path, category=target.categories[i],
            total=_cents(result.total_cents[i]), grade=result.grade[i], rank=int(result.rank[i]),
            category_rank=int(result.category_rank[i]), category_size=int(result.category_size[i]),
            prev_total=prev[0] if prev else None, prev_grade=prev[1] if prev else "",
            prev_category_rank=prev[2] if prev else None, missing_count=int(missing_counts[i]),
            missing_report=not bool(has_report[i])))
    created = Score.objects.bulk_create(rows, batch_size=2000)
    ids = [s.pk for s in created]
    if any(pk is None for pk in ids):  # a backend that returns no ids: read them back in the same order
        by_org = dict(Score.objects.filter(run=run).values_list("organisation_id", "pk"))
        ids = [by_org[oid] for oid in target.ids[first:last]]
    return [int(pk) for pk in ids]


def _write_leaves(score_ids: list[int], leaves: list[Indicator], raw: np.ndarray, result: engine.Result,
                  has_report: np.ndarray, first: int = 0) -> None:
    """Every leaf of the scores ``score_ids`` (the organisations from ``first`` on, in target order), written
    with COPY (PostgreSQL) or executemany (SQLite). The rule text is stored in Chinese (the record's language,
    like the audit log)."""
    with translation.override(None):
        describers = [sources.Describer(leaf) for leaf in leaves]
    report_leaf = [leaf.source_type == SourceType.REPORT for leaf in leaves]
    part = slice(first, first + len(score_ids))
    raw_list = raw[part].tolist()
    frac_list = result.fractions[part].tolist()
    ref_list = result.refs[part].tolist()
    cents_list = result.cents[part].tolist()
    missing_list = result.missing[part].tolist()
    no_report = (~has_report[part]).tolist()

    def rows() -> Iterator[tuple[Any, ...]]:
        for i, score_id in enumerate(score_ids):
            raw_i, frac_i, ref_i, cents_i, miss_i = raw_list[i], frac_list[i], ref_list[i], cents_list[i], missing_list[i]
            for j, leaf in enumerate(leaves):
                points = f"{cents_i[j] / 100:.2f}"
                missing = miss_i[j]
                value = None if missing else raw_i[j]
                rule = describers[j](raw_i[j], frac_i[j], ref_i[j], points, missing, no_report[i] and report_leaf[j])
                yield (score_id, leaf.pk, value, frac_i[j], points, missing, rule)

    columns = ["score_id", "indicator_id", "raw", "fraction", "points", "missing", "rule"]
    bulk.copy_rows(LeafScore._meta.db_table, columns, rows())


def current_run(system: IndicatorSystem, year: int) -> EvaluationRun | None:
    run: EvaluationRun | None = EvaluationRun.objects.filter(system=system, year=year, is_current=True).first()
    return run


# -- expert scores -----------------------------------------------------------------------------------------------

def _evaluator_path(org: Organisation) -> str:
    """Who may enter expert scores and decide follow-ups for an organisation: staff of the body above it
    (a society does not grade itself), i.e. ``change`` on its parent's subtree."""
    step = Organisation.steplen
    path: str = org.path
    return path[:-step] if len(path) > step else path


@transaction.atomic
def enter_expert_score(actor: Any, indicator: Indicator, year: int, organisation: Organisation,
                       value: Decimal | float | str, note: str = "") -> ExpertScore:
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    require(actor, "evaluation.change", _evaluator_path(org))
    if indicator.source_type != SourceType.EXPERT:
        raise ValidationError(_("指标“%(name)s”不是专家评分指标。"), params={"name": indicator.name})
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise ValidationError(_("专家评分须为数字。")) from None
    limit = _expert_limit(indicator)
    if not Decimal(0) <= amount <= limit:
        raise ValidationError(_("专家评分须在 0 到 %(max)s 之间。"), params={"max": sources.number(float(limit))})
    if not 1900 <= year <= 2100:
        raise ValidationError(_("评价年度有误。"))
    existing = ExpertScore.objects.select_for_update().filter(indicator=indicator, year=year,
                                                              organisation=org).first()
    fields = ["value", "note"]
    before = snapshot(existing, fields) if existing else None
    if existing is None:
        existing = ExpertScore(system_id=indicator.system_id, indicator=indicator, year=year, organisation=org,
                               org_path=org.path)
    existing.value, existing.note = amount, note[:400]
    existing.entered_by = actor if getattr(actor, "pk", None) else None
    existing.org_path = org.path
    existing.save()
    log_action(actor, "evaluation.expertscore.changed" if before else "evaluation.expertscore.created", existing,
               scope_path=org.path, before=before, after=snapshot(existing, fields),
               extra={"indicator": indicator.code, "year": year})
    return existing


def _expert_limit(indicator: Indicator) -> Decimal:
    """The largest score an expert may give: the linear upper bound (usually 100), else the leaf's points."""
    params = indicator.params or {}
    if indicator.method == Method.LINEAR:
        return Decimal(str(max(float(params["low"]), float(params["high"]))))
    if indicator.method == Method.BANDS:
        return Decimal(str(max(float(t) for t, _s in params["bands"])))
    return Decimal(100)


# -- follow-ups (exit rule) ---------------------------------------------------------------------------------------

# stage -> the stages that may come before it (None: no open case)
ALLOWED_AFTER: dict[str, tuple[str | None, ...]] = {
    Stage.INTERVIEW: (None, Stage.RECTIFIED),
    Stage.WARNING: (Stage.INTERVIEW,),
    Stage.REVOKED: (Stage.WARNING,),
    Stage.RECTIFIED: (Stage.INTERVIEW, Stage.WARNING),
}


def last_stage(organisation: Organisation) -> str | None:
    last: str | None = (FollowUp.objects.filter(organisation=organisation).order_by("-created_at", "-id")
                        .values_list("stage", flat=True).first())
    return last


def next_stages(organisation: Organisation) -> list[str]:
    last = last_stage(organisation)
    return [s for s, before in ALLOWED_AFTER.items() if last in before]


@transaction.atomic
def record_follow_up(actor: Any, organisation: Organisation, run: EvaluationRun, stage: str, note: str = "",
                     decided_on: date | None = None) -> FollowUp:
    """Record one step of 不合格 → 约谈 → 警告 → 撤销团体会员资格 (or 整改完成, which closes the case).
    Steps go in order; a case opens with 约谈 only on a 不合格 result of ``run``."""
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    require(actor, "evaluation.change", _evaluator_path(org))
    if stage not in Stage.values:
        raise ValidationError(_("处理环节不存在。"))
    last = last_stage(org)
    if last == Stage.REVOKED:
        raise ValidationError(_("已撤销团体会员资格，不能再记录后续处理。"))
    if last not in ALLOWED_AFTER[stage]:
        raise ValidationError(_("处理须依次进行：不合格 → 约谈 → 警告 → 撤销团体会员资格。当前不能记录“%(stage)s”。"),
                              params={"stage": Stage(stage).label})
    score = Score.objects.filter(run=run, organisation=org).first()
    if score is None:
        raise ValidationError(_("该组织未参加此次评价。"))
    if stage == Stage.INTERVIEW and score.grade != Grade.FAIL:
        raise ValidationError(_("只有评价为不合格的组织才能启动约谈。"))
    decided_on = decided_on or timezone.localdate()
    if decided_on > timezone.localdate():
        raise ValidationError(_("决定日期不能晚于今天。"))
    follow = FollowUp.objects.create(organisation=org, org_path=org.path, run=run, stage=stage,
                                     decided_by=actor if getattr(actor, "pk", None) else None,
                                     decided_on=decided_on, note=note[:2000])
    log_action(actor, "evaluation.followup.created", follow, scope_path=org.path,
               after=snapshot(follow, ["stage", "decided_by", "decided_on", "note", "run"]),
               extra={"previous_stage": last})
    return follow
