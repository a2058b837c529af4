"""Writes of a call's set-up: checking and creating or editing a call, quotas, opening it and advancing its
stages without skipping.

Every write runs in a transaction, re-reads its row with ``select_for_update``, checks scope with ``require()`` on
the fresh row and leaves an audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kexie.calls import eligibility
from kexie.calls.common import _event, _today, _user
from kexie.calls.models import (
    REVIEW_STAGES,
    STAGE_ORDER,
    Application,
    ApplicationStatus,
    Call,
    CallType,
    EventAction,
    ExpertLibrary,
    Quota,
    Stage,
)
from kexie.calls.subscriptions import announce_call
from kexie.core.audit import log_action, snapshot
from kexie.core.scope import user_can
from kexie.core.services import is_system, require
from kexie.core.text import join_list
from kexie.formkit import schema as S
from kexie.orgs.models import Organisation


def check_stages(stages: Any) -> list[str]:
    if not isinstance(stages, list) or not stages:
        return [_("阶段应为非空列表。")]
    codes: list[str] = []
    problems: list[str] = []
    last: dt.date | None = None
    for s in stages:
        code = s.get("code") if isinstance(s, dict) else None
        if code not in STAGE_ORDER:
            problems.append(_("阶段“%(c)s”未知。") % {"c": code or ""})
            continue
        codes.append(str(code))
        deadline = s.get("deadline") or ""
        if deadline:
            try:
                day = dt.date.fromisoformat(str(deadline))
            except ValueError:
                problems.append(_("阶段“%(c)s”的截止日期无效。") % {"c": dict(Stage.choices)[code]})
                continue
            if last is not None and day < last:
                problems.append(_("阶段“%(c)s”的截止日期早于上一阶段。") % {"c": dict(Stage.choices)[code]})
            last = day
    if problems:
        return problems
    if codes[0] != Stage.APPLY or codes[-1] != Stage.RESULT:
        problems.append(_("阶段必须从“申报”开始，以“结果”结束。"))
    if len(set(codes)) != len(codes):
        problems.append(_("阶段不能重复。"))
    elif [STAGE_ORDER.index(c) for c in codes] != sorted(STAGE_ORDER.index(c) for c in codes):
        problems.append(_("阶段顺序应为：申报 → 单位推荐 → 形式审查 → 专家评审 → 公示 → 结果。"))
    if not any(c in REVIEW_STAGES for c in codes):
        problems.append(_("至少需要一个专家评审阶段（通讯评审或会议评审）。"))
    if not any(isinstance(s, dict) and s.get("code") == Stage.APPLY and s.get("deadline") for s in stages):
        problems.append(_("“申报”阶段必须有截止日期。"))
    return problems


def check_rubric(rubric: Any) -> list[str]:
    if not isinstance(rubric, list):
        return [_("评分细则应为列表。")]
    problems: list[str] = []
    total = Decimal(0)
    keys: set[str] = set()
    for i, c in enumerate(rubric, start=1):
        if not isinstance(c, dict) or not str(c.get("label") or "").strip():
            problems.append(_("第 %(n)s 项评分指标缺少名称。") % {"n": i})
            continue
        key = c.get("key")
        if not isinstance(key, str) or not S.KEY_RE.match(key) or key in keys:
            problems.append(_("评分指标“%(l)s”的键无效或重复。") % {"l": c["label"]})
        keys.add(str(key))
        weight, maximum = c.get("weight"), c.get("max")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            problems.append(_("评分指标“%(l)s”的权重应为正数。") % {"l": c["label"]})
        else:
            total += Decimal(str(weight))
        if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
            problems.append(_("评分指标“%(l)s”的满分应为正数。") % {"l": c["label"]})
    if rubric and not problems and abs(total - 1) > Decimal("0.001"):
        problems.append(_("评分指标的权重之和应为 1（现为 %(t)s）。") % {"t": total})
    return problems


def check_call(values: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    problems += check_stages(values.get("stages"))
    problems += eligibility.check_rules(values.get("eligibility", []))
    problems += S.check_schema(values.get("form_schema") or {"sections": []})
    problems += check_rubric(values.get("rubric", []))
    rpa = values.get("reviews_per_application", 3)
    if isinstance(rpa, bool) or not isinstance(rpa, int) or not 1 <= rpa <= 50:
        problems.append(_("每份申报评审专家数应为 1 到 50 的整数。"))
    if values.get("type") not in CallType.values:
        problems.append(_("批次类型无效。"))
    for key, lo, hi, message in INT_LIMITS:
        if key in values and values[key] is not None:
            v = values[key]
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                problems.append(message % {"lo": lo, "hi": hi})
    months, midterm = values.get("project_months", 12), values.get("midterm_month", 6)
    if isinstance(months, int) and isinstance(midterm, int) and midterm and midterm >= months:
        problems.append(_("中期检查应在研究周期之内（早于第 %(m)s 个月）。") % {"m": months})
    return problems


INT_LIMITS = (
    ("project_months", 1, 120, _lazy("研究周期应为 %(lo)s 到 %(hi)s 个月。")),
    ("midterm_month", 0, 119, _lazy("中期检查月份应为 %(lo)s 到 %(hi)s 的整数（0 为不检查）。")),
    ("notice_days", 1, 60, _lazy("公示天数应为 %(lo)s 到 %(hi)s 天。")),
    ("appeal_lodge_days", 1, 90, _lazy("复审申请期限应为 %(lo)s 到 %(hi)s 天。")),
    ("appeal_decide_days", 1, 180, _lazy("复审决定期限应为 %(lo)s 到 %(hi)s 天。")),
)


def _check_library(actor: Any, values: Mapping[str, Any]) -> None:
    """The call's expert library must be alive and visible to whoever sets it."""
    lib = values.get("expert_library")
    if lib is None:
        return
    if not isinstance(lib, ExpertLibrary) or lib.deleted_at is not None:
        raise ValidationError(_("评审专家库不存在。"))
    if not is_system(actor) and not user_can(actor, "calls.view", lib.org_path):
        raise ValidationError(_("评审专家库“%(n)s”不在您的管理范围内。") % {"n": lib.name})


CALL_KEYS = ("name", "year", "type", "description", "applicant_kind", "eligibility", "form_schema", "stages",
             "rubric", "reviews_per_application", "blind", "funds", "funding_per_item", "funding_total", "places",
             "expert_library", "notice_days", "appeal_lodge_days", "appeal_decide_days", "tracks_projects",
             "project_months", "midterm_month")
# Once an application has been submitted these cannot change: applicants were judged against them.
FROZEN_KEYS = ("applicant_kind", "eligibility", "form_schema")


@transaction.atomic
def create_call(actor: Any, *, owner: Organisation, code: str, **values: Any) -> Call:
    require(actor, "calls.change", owner.path)
    if Call.objects.filter(code=code).exists():
        raise ValidationError(_("批次代码“%(c)s”已被使用。") % {"c": code})
    values.setdefault("form_schema", {"sections": [], "rules": []})
    _check_library(actor, values)
    problems = check_call(values)
    if problems:
        raise ValidationError(problems)
    call = Call(code=code, owner=owner, org_path=owner.path, created_by=_user(actor),
                **{k: v for k, v in values.items() if k in CALL_KEYS})
    call.current_stage = Stage.APPLY
    call.save()
    log_action(actor, "calls.call.created", call, scope_path=call.org_path,
               after=snapshot(call, Call.AUDIT_FIELDS))
    return call


def _lock_call(call: Call) -> Call:
    fresh: Call = Call.objects.select_for_update().get(pk=call.pk)
    return fresh


@transaction.atomic
def edit_call(actor: Any, call: Call, **values: Any) -> Call:
    call = _lock_call(call)
    require(actor, "calls.change", call.org_path)
    unknown = set(values) - set(CALL_KEYS)
    if unknown:
        raise ValidationError(_("未知的字段：%(k)s") % {"k": join_list(sorted(unknown))})
    started = call.applications.exclude(status=ApplicationStatus.DRAFT).exists()
    frozen = [k for k in FROZEN_KEYS if k in values and values[k] != getattr(call, k)]
    if started and frozen:
        raise ValidationError(_("已有申报提交，不能再修改申报主体、申报条件和申报表。"))
    if "expert_library" in values and values["expert_library"] != call.expert_library:
        _check_library(actor, values)
    merged = {k: getattr(call, k) for k in CALL_KEYS} | values
    if "stages" in values and [s.get("code") for s in values["stages"] if isinstance(s, dict)] != call.stage_codes() \
            and call.current_stage != Stage.APPLY:
        raise ValidationError(_("批次已进入后续阶段，只能调整截止日期，不能增减阶段。"))
    problems = check_call(merged)
    if problems:
        raise ValidationError(problems)
    before = snapshot(call, Call.AUDIT_FIELDS)
    for k, v in values.items():
        setattr(call, k, v)
    call.save()
    log_action(actor, "calls.call.edited", call, scope_path=call.org_path, before=before,
               after=snapshot(call, Call.AUDIT_FIELDS), extra={"fields": sorted(values)})
    return call


@transaction.atomic
def set_quotas(actor: Any, call: Call, places: Mapping[Organisation, int]) -> int:
    """Set the places of each nominating organisation; never below what it has already nominated."""
    call = _lock_call(call)
    require(actor, "calls.change", call.org_path)
    n = 0
    for org, count in places.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationError(_("推荐名额应为非负整数。"))
        quota, _created = Quota.objects.select_for_update().get_or_create(
            call=call, organisation=org, defaults={"places": count, "org_path": org.path})
        used = nominated_count(call, org)
        if count < used:
            raise ValidationError(_("%(o)s已推荐 %(u)s 项，名额不能少于已用数。") % {"o": org.name, "u": used})
        if quota.places != count:
            quota.places = count
            quota.save(update_fields=["places"])
        n += 1
    log_action(actor, "calls.call.quotas", call, scope_path=call.org_path,
               extra={"quotas": {org.name: c for org, c in places.items()}})
    announce_call(call)  # an open call: the staff of organisations newly given places hear of it (once each)
    return n


def needs_library(call: Call) -> bool:
    """Whether the call's stages include expert review (通讯评审 or 会议评审): both draw on its expert library."""
    return any(code in REVIEW_STAGES for code in call.stage_codes())


def library_missing(call: Call) -> bool:
    """The call's review stages need an expert library and it has none (or a deleted one)."""
    if not needs_library(call):
        return False
    lib = call.expert_library if call.expert_library_id else None
    return lib is None or lib.deleted_at is not None


def open_problems(call: Call) -> list[str]:
    """Why the call cannot be opened yet, in Chinese; the detail page shows them before the open button and
    ``open_call`` refuses with them."""
    problems = check_call({k: getattr(call, k) for k in CALL_KEYS})
    if not S.fields(call.form_schema or {}):
        problems.append(_("申报表还没有字段。"))
    if library_missing(call):
        problems.append(_("此批次的评审阶段需要专家库，请先选择专家库。"))
    return problems


@transaction.atomic
def open_call(actor: Any, call: Call) -> Call:
    call = _lock_call(call)
    require(actor, "calls.change", call.org_path)
    Call.WORKFLOW.check(call, "open")
    problems = open_problems(call)
    if problems:
        raise ValidationError(problems)
    Call.WORKFLOW.apply(call, "open")
    call.current_stage = Stage.APPLY
    call.save(update_fields=["status", "current_stage", "updated_at"])
    log_action(actor, "calls.call.opened", call, scope_path=call.org_path)
    announce_call(call)  # quota holders' staff and the scientists it is for (decision 0042)
    return call


def _deadline_passed(call: Call, stage: str, today: dt.date | None = None) -> bool:
    deadline = call.deadline_of(stage)
    return deadline is not None and (today or _today()) > deadline


def _require_stage(call: Call, stage: str, *, today: dt.date | None = None) -> None:
    labels = dict(Stage.choices)
    Call.WORKFLOW.check(call, "advance")  # stage work happens only while the call runs
    if call.current_stage != stage:
        raise ValidationError(_("该批次当前处于“%(c)s”阶段，不能进行“%(s)s”。")
                              % {"c": labels.get(call.current_stage), "s": labels.get(stage)})
    if _deadline_passed(call, stage, today):
        raise ValidationError(_("“%(s)s”阶段已于 %(d)s 截止。") % {"s": labels.get(stage),
                                                               "d": call.deadline_of(stage).isoformat()})


def formal_queue_status(call: Call) -> str:
    """The status of applications waiting for the formal check: 已推荐 when the call nominates, else 已提交."""
    return ApplicationStatus.NOMINATED if call.has_stage(Stage.NOMINATE) else ApplicationStatus.SUBMITTED


@transaction.atomic
def advance_stage(actor: Any, call: Call, to: str | None = None) -> Call:
    """Move the call to its next stage (never skipping one); the applications follow."""
    call = _lock_call(call)
    require(actor, "calls.change", call.org_path)
    Call.WORKFLOW.check(call, "advance")
    nxt = call.next_stage()
    labels = dict(Stage.choices)
    if nxt is None:
        raise ValidationError(_("该批次已处于最后阶段。"))
    if to is not None and to != nxt:
        raise ValidationError(_("不能跳过阶段：当前为“%(c)s”，下一阶段为“%(n)s”。")
                              % {"c": labels.get(call.current_stage), "n": labels.get(nxt)})
    apps = call.applications.all()
    moved: dict[str, int] = {}
    here = call.current_stage
    if here == Stage.FORMAL:
        pending = apps.filter(status__in=[formal_queue_status(call), ApplicationStatus.RETURNED]).count()
        if pending:
            problems = [_("还有 %(n)s 份申报未完成形式审查。") % {"n": pending}]
            returned = apps.filter(status=ApplicationStatus.RETURNED).count()
            if returned:
                problems.append(_("其中 %(r)s 份退回修改后尚未重新提交；申报人逾期不提交的，可在申报页关闭（须说明理由）。")
                                % {"r": returned})
            raise ValidationError(problems)
    if here == Stage.NOMINATE:
        moved["not_nominated"] = _bulk_status(actor, apps, "close_nomination", EventAction.STAGE,
                                              _("推荐阶段结束，未获推荐。"))
    if nxt in REVIEW_STAGES and here == Stage.FORMAL:
        moved["under_review"] = _bulk_status(actor, apps, "start_review", EventAction.STAGE, "")
    before = call.current_stage
    call.current_stage = nxt
    call.save(update_fields=["current_stage", "updated_at"])
    log_action(actor, "calls.call.stage", call, scope_path=call.org_path,
               before={"stage": before}, after={"stage": nxt}, extra={"moved": moved})
    return call


def _bulk_status(actor: Any, qs: Any, transition: str, action: str, comment: str) -> int:
    """Move every application of ``qs`` that the transition allows along it (a stage advance)."""
    flow = Application.WORKFLOW
    rows = list(qs.filter(status__in=flow.sources(transition)).select_for_update())
    for app in rows:
        old, new = flow.apply(app, transition)
        _event(actor, app, action, old, new, comment)
        if comment:
            app.status_reason = comment
    Application.objects.bulk_update(rows, ["status", "status_reason"])
    return len(rows)


# ---- quotas in use ------------------------------------------------------------------------------
def nominated_count(call: Call, org: Organisation) -> int:
    return Application.objects.filter(call=call, nominator=org, nominated_at__isnull=False).exclude(
        status__in=[ApplicationStatus.WITHDRAWN, ApplicationStatus.NOT_NOMINATED, ApplicationStatus.CLOSED]).count()


def nominated_counts(call: Call) -> dict[int, int]:
    """``nominated_count`` of every nominating organisation of the call, in one query."""
    rows = (Application.objects.filter(call=call, nominated_at__isnull=False).exclude(
        status__in=[ApplicationStatus.WITHDRAWN, ApplicationStatus.NOT_NOMINATED, ApplicationStatus.CLOSED])
        .values("nominator_id").annotate(n=Count("pk")).values_list("nominator_id", "n"))
    return {org_id: n for org_id, n in rows if org_id is not None}


def quota_usage(call: Call, orgs: Iterable[Quota]) -> list[dict[str, Any]]:
    return [{"quota": q, "used": (used := nominated_count(call, q.organisation)), "left": max(q.places - used, 0)}
            for q in orgs]
