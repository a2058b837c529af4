"""Writes of 申报评审: calls, applications, nominations within quota, the formal check, stages, expert
libraries and declared conflicts.

Every write runs in a transaction, re-reads its row with ``select_for_update``, checks scope with
``require()`` on the fresh row and leaves an audit row. Nominations lock the nominating organisation's
``Quota`` row before counting, so two nominators racing for the last place cannot both get it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kexie.calls import eligibility
from kexie.calls.models import (
    REVIEW_STAGES,
    STAGE_ORDER,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Call,
    CallType,
    ConflictDeclaration,
    EventAction,
    Expert,
    ExpertLibrary,
    Quota,
    ReviewAssignment,
    Stage,
)
from kexie.core.audit import log_action, snapshot
from kexie.core.scope import user_can
from kexie.core.services import is_system, require
from kexie.core.text import join_list
from kexie.formkit import schema as S
from kexie.notices.services import notify
from kexie.orgs.models import Organisation
from kexie.people.models import Person

MAX_AVOID = 3
SPLIT_RE = re.compile(r"[\s,，;；、/|]+")


class ApplicationInvalid(ValidationError):
    """Application data that failed validation; ``errors`` by field key."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        messages = [m for msgs in errors.values() for m in msgs]
        super().__init__(messages or [_("申报内容有误。")])
        self.errors = dict(errors)



def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _today() -> dt.date:
    return timezone.localdate()


# ---- calls --------------------------------------------------------------------------------------
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
    return n


@transaction.atomic
def open_call(actor: Any, call: Call) -> Call:
    call = _lock_call(call)
    require(actor, "calls.change", call.org_path)
    Call.WORKFLOW.check(call, "open")
    problems = check_call({k: getattr(call, k) for k in CALL_KEYS})
    if not S.fields(call.form_schema or {}):
        problems.append(_("申报表还没有字段。"))
    if problems:
        raise ValidationError(problems)
    Call.WORKFLOW.apply(call, "open")
    call.current_stage = Stage.APPLY
    call.save(update_fields=["status", "current_stage", "updated_at"])
    log_action(actor, "calls.call.opened", call, scope_path=call.org_path)
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
            raise ValidationError(_("还有 %(n)s 份申报未完成形式审查。") % {"n": pending})
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


def _event(actor: Any, app: Application, action: str, from_status: str, to_status: str, comment: str = "",
           data: Any = None) -> ApplicationEvent:
    return ApplicationEvent.objects.create(application=app, action=action, from_status=from_status,
                                           to_status=to_status, actor=_user(actor), comment=comment, data=data,
                                           org_path=app.org_path)


# ---- applications -------------------------------------------------------------------------------
def person_of(user: Any) -> Person | None:
    if not getattr(user, "pk", None):
        return None
    person: Person | None = Person.objects.filter(user=user, deleted_at__isnull=True).first()
    return person


def can_fill(user: Any, app: Application) -> bool:
    """The applicant themself, or staff who may change the applicant's organisation."""
    if app.applicant_person_id and app.applicant_person and app.applicant_person.user_id == getattr(user, "pk", -1):
        return True
    return user_can(user, "calls.change", app.org_path)


def _require_fill(actor: Any, app: Application) -> None:
    if not is_system(actor) and not can_fill(actor, app):
        raise PermissionDenied(_("您不能修改这份申报。"))


def check_applicant(call: Call, *, person: Person | None = None, org: Organisation | None = None
                    ) -> eligibility.Verdict:
    return eligibility.evaluate(call, person=person, org=org)


@transaction.atomic
def start_application(actor: Any, call: Call, *, person: Person | None = None, org: Organisation | None = None,
                      nominator: Organisation | None = None, title: str = "") -> Application:
    """Open (or return the existing) application of an applicant; eligibility is checked first."""
    call = Call.objects.get(pk=call.pk)
    _require_stage(call, Stage.APPLY)
    if call.applicant_kind == "person":
        if person is None or org is not None:
            raise ValidationError(_("该批次由个人申报。"))
        if not is_system(actor) and person.user_id != getattr(actor, "pk", None):
            require(actor, "calls.change", person.org_path)
        path = person.org_path
    else:
        if org is None or person is not None:
            raise ValidationError(_("该批次由单位申报。"))
        require(actor, "calls.change", org.path)
        path = org.path
    existing: Application | None = Application.objects.filter(call=call, applicant_person=person,
                                                              applicant_org=org).first()
    if existing is not None:
        return existing
    verdict = check_applicant(call, person=person, org=org)
    if not verdict.ok:
        raise ValidationError(verdict.reasons)
    if nominator is not None:
        _check_nominator(call, nominator)
    app = Application.objects.create(
        call=call, applicant_person=person, applicant_org=org, nominator=nominator, org_path=path,
        title=(title or (person.name if person else org.name if org else ""))[:200], created_by=_user(actor),
        disciplines=_person_disciplines(person))
    _event(actor, app, EventAction.CREATED, "", app.status)
    log_action(actor, "calls.application.created", app, scope_path=app.org_path,
               after=snapshot(app, Application.AUDIT_FIELDS))
    return app


def _person_disciplines(person: Person | None) -> list[str]:
    if person is None:
        return []
    from kexie.people.models import PersonDiscipline

    return sorted(PersonDiscipline.objects.filter(person=person).values_list("discipline__code", flat=True))


def _check_nominator(call: Call, nominator: Organisation) -> None:
    if call.has_stage(Stage.NOMINATE) and not Quota.objects.filter(call=call, organisation=nominator).exists():
        raise ValidationError(_("“%(o)s”在本批次没有推荐名额。") % {"o": nominator.name})


def _allowed(app: Application, name: str, refusal: str) -> None:
    """``Application.WORKFLOW`` decides; ``refusal`` (with ``%(s)s``, the current status) says why not."""
    if not Application.WORKFLOW.allows(app, name):
        raise ValidationError(refusal % {"s": app.get_status_display()})


def _lock_app(app: Application) -> Application:
    fresh: Application = Application.objects.select_for_update(of=("self",)).select_related(
        "call", "applicant_person", "applicant_org", "nominator").get(pk=app.pk)
    return fresh


def _clean_people_list(raw: Any, label: str, *, limit: int, reason: bool) -> tuple[list[dict[str, Any]], list[str]]:
    if raw in (None, ""):
        return [], []
    if not isinstance(raw, list):
        return [], [_("“%(l)s”格式有误。") % {"l": label}]
    out: list[dict[str, Any]] = []
    errors: list[str] = []
    for item in raw:
        if not isinstance(item, dict):
            errors.append(_("“%(l)s”格式有误。") % {"l": label})
            continue
        name = str(item.get("name") or "").strip()[:40]
        pid = item.get("person_id")
        if pid is not None and (isinstance(pid, bool) or not isinstance(pid, int)):
            errors.append(_("“%(l)s”中的人员编号无效。") % {"l": label})
            continue
        if not name and pid is None:
            continue
        entry: dict[str, Any] = {"name": name, "employer": str(item.get("employer") or "").strip()[:120],
                                 "person_id": pid}
        if reason:
            entry["reason"] = str(item.get("reason") or "").strip()[:500]
            if not entry["reason"]:
                errors.append(_("申请回避“%(n)s”须说明理由。") % {"n": name or pid})
        out.append(entry)
    if len(out) > limit:
        errors.append(_("“%(l)s”最多 %(n)s 人。") % {"l": label, "n": limit})
    return out, errors


def _apply_data(app: Application, raw: Mapping[str, Any], *, submit: bool) -> dict[str, list[str]]:
    """Validate and copy the form data and the lists into ``app`` (not saved); errors by key."""
    result = S.clean(app.call.form_schema or {}, raw, submit=submit)
    errors = dict(result.errors)
    lists = {"avoid_requests": (_("申请回避的专家"), MAX_AVOID, True), "collaborators": (_("合作者"), 50, False),
             "relatives": (_("亲属"), 20, False)}
    for key, (label, limit, reason) in lists.items():
        if key in raw:
            value, errs = _clean_people_list(raw.get(key), str(label), limit=limit, reason=reason)
            if errs:
                errors[key] = errs
            else:
                setattr(app, key, value)
    if "title" in raw:
        title = str(raw.get("title") or "").strip()
        if not title:
            errors["title"] = [_("请填写申报名称。")]
        elif len(title) > 200:
            errors["title"] = [_("申报名称不能超过 200 个字。")]
        else:
            app.title = title
    if not errors:
        app.data = result.data
        app.keywords = keywords_of(result.data)
        codes = disciplines_of(result.data)
        if codes:
            app.disciplines = codes
    return errors


def keywords_of(data: Mapping[str, Any]) -> list[str]:
    value = data.get("keywords")
    if isinstance(value, list):
        words = [str(v) for v in value]
    else:
        words = SPLIT_RE.split(str(value or ""))
    seen: dict[str, None] = {}
    for w in words:
        w = w.strip()
        if w:
            seen.setdefault(w[:30], None)
    return list(seen)[:20]


def disciplines_of(data: Mapping[str, Any]) -> list[str]:
    value = data.get("discipline") or data.get("disciplines")
    codes = re.findall(r"\d{3}(?:\d{2}(?:\d{2})?)?", str(value or ""))
    return sorted(set(codes))


@transaction.atomic
def save_draft(actor: Any, app: Application, raw: Mapping[str, Any]) -> Application:
    app = _lock_app(app)
    _require_fill(actor, app)
    Application.WORKFLOW.check(app, "edit")
    errors = _apply_data(app, raw, submit=False)
    if errors:
        raise ApplicationInvalid(errors)
    app.save()
    _event(actor, app, EventAction.SAVED, app.status, app.status)
    log_action(actor, "calls.application.saved", app, scope_path=app.org_path)
    return app


@transaction.atomic
def submit(actor: Any, app: Application, raw: Mapping[str, Any] | None = None) -> Application:
    """Full validation and eligibility; then 已提交 (or back to the formal check after a return)."""
    app = _lock_app(app)
    _require_fill(actor, app)
    call = app.call
    Application.WORKFLOW.check(app, "submit")
    if app.status == ApplicationStatus.RETURNED:
        _require_stage(call, Stage.FORMAL)
    else:
        _require_stage(call, Stage.APPLY)
    verdict = check_applicant(call, person=app.applicant_person, org=app.applicant_org)
    if not verdict.ok:
        raise ApplicationInvalid({"eligibility": verdict.reasons})
    errors = _apply_data(app, raw if raw is not None else app.data, submit=True)
    if call.has_stage(Stage.NOMINATE) and app.nominator_id is None:
        errors["nominator"] = [_("请选择推荐单位。")]
    if errors:
        raise ApplicationInvalid(errors)
    # After a return the application goes straight back to the formal check's queue.
    before, _new = Application.WORKFLOW.apply(app, "submit", formal_queue_status(call)
                                              if app.status == ApplicationStatus.RETURNED
                                              else ApplicationStatus.SUBMITTED)
    app.revision += 1
    app.submitted_at = timezone.now()
    app.status_reason = ""
    app.save()
    _event(actor, app, EventAction.SUBMITTED, before, app.status, data=app.data)
    log_action(actor, "calls.application.submitted", app, scope_path=app.org_path,
               extra={"revision": app.revision})
    return app


@transaction.atomic
def set_nominator(actor: Any, app: Application, nominator: Organisation | None) -> Application:
    app = _lock_app(app)
    _require_fill(actor, app)
    Application.WORKFLOW.check(app, "change_nominator")
    if nominator is not None:
        _check_nominator(app.call, nominator)
    app.nominator = nominator
    app.save(update_fields=["nominator", "updated_at"])
    log_action(actor, "calls.application.nominator", app, scope_path=app.org_path,
               extra={"nominator": nominator.name if nominator else None})
    return app


@transaction.atomic
def withdraw(actor: Any, app: Application, reason: str = "") -> Application:
    app = _lock_app(app)
    _require_fill(actor, app)
    before, _new = Application.WORKFLOW.apply(app, "withdraw")
    app.status_reason = reason[:4000]
    app.save(update_fields=["status", "status_reason", "updated_at"])
    _event(actor, app, EventAction.WITHDRAWN, before, app.status, reason)
    log_action(actor, "calls.application.withdrawn", app, scope_path=app.org_path)
    return app


# ---- nominations --------------------------------------------------------------------------------
def nominated_count(call: Call, org: Organisation) -> int:
    return Application.objects.filter(call=call, nominator=org, nominated_at__isnull=False).exclude(
        status__in=[ApplicationStatus.WITHDRAWN, ApplicationStatus.NOT_NOMINATED]).count()


def quota_usage(call: Call, orgs: Iterable[Quota]) -> list[dict[str, Any]]:
    return [{"quota": q, "used": (used := nominated_count(call, q.organisation)), "left": max(q.places - used, 0)}
            for q in orgs]


@transaction.atomic
def nominate(actor: Any, app: Application, comment: str = "") -> Application:
    """Endorse within quota. The nominator's quota row is locked first, so concurrent nominations of the
    same organisation queue up and the count read afterwards is current."""
    nominator_id = Application.objects.filter(pk=app.pk).values_list("nominator_id", flat=True).first()
    if nominator_id is None:
        raise ValidationError(_("这份申报没有推荐单位。"))
    quota = Quota.objects.select_for_update().filter(call_id=app.call_id, organisation_id=nominator_id).first()
    app = _lock_app(app)
    nominator = app.nominator
    assert nominator is not None
    require(actor, "calls.change", nominator.path)
    _require_stage(app.call, Stage.NOMINATE)
    if quota is None:
        raise ValidationError(_("“%(o)s”在本批次没有推荐名额。") % {"o": nominator.name})
    _allowed(app, "nominate", _("只能推荐已提交的申报（当前：%(s)s）。"))
    used = nominated_count(app.call, nominator)
    if used >= quota.places:
        raise ValidationError(_("推荐名额已用完（%(u)s / %(p)s）。") % {"u": used, "p": quota.places})
    before, _new = Application.WORKFLOW.apply(app, "nominate")
    app.nominated_at = timezone.now()
    app.status_reason = comment[:4000]
    app.save(update_fields=["status", "nominated_at", "status_reason", "updated_at"])
    _event(actor, app, EventAction.NOMINATED, before, app.status, comment)
    log_action(actor, "calls.application.nominated", app, scope_path=app.org_path,
               extra={"used": used + 1, "places": quota.places})
    return app


@transaction.atomic
def decline(actor: Any, app: Application, reason: str) -> Application:
    app = _lock_app(app)
    nominator = app.nominator
    if nominator is None:
        raise ValidationError(_("这份申报没有推荐单位。"))
    require(actor, "calls.change", nominator.path)
    _require_stage(app.call, Stage.NOMINATE)
    if not reason.strip():
        raise ValidationError(_("不予推荐须说明理由。"))
    _allowed(app, "decline", _("只能处理已提交的申报（当前：%(s)s）。"))
    before, _new = Application.WORKFLOW.apply(app, "decline")
    app.status_reason = reason.strip()[:4000]
    app.save(update_fields=["status", "status_reason", "updated_at"])
    _event(actor, app, EventAction.DECLINED, before, app.status, app.status_reason)
    log_action(actor, "calls.application.declined", app, scope_path=app.org_path)
    _notify_applicant(app, _("申报未获推荐"))
    return app


# ---- formal check -------------------------------------------------------------------------------
FORMAL_REASONS = ("材料不齐全", "不符合申报条件", "申报书填写不规范", "附件不清晰或无效", "超出推荐名额", "其他")
# verdict → (transition of ``Application.WORKFLOW``, event action)
FORMAL_VERDICTS = {"pass": ("formal_pass", EventAction.FORMAL_PASSED),
                   "return": ("formal_return", EventAction.RETURNED),
                   "fail": ("formal_fail", EventAction.FORMAL_FAILED)}


@transaction.atomic
def formal_check(actor: Any, app: Application, verdict: str, reasons: Sequence[str] = (),
                 comment: str = "") -> Application:
    """``verdict`` is pass / fail / return; fail and return need at least one reason."""
    app = _lock_app(app)
    call = app.call
    require(actor, "calls.change", call.org_path)
    _require_stage(call, Stage.FORMAL)
    if verdict not in FORMAL_VERDICTS:
        raise ValidationError(_("审查结论无效。"))
    transition, action = FORMAL_VERDICTS[verdict]
    not_queued = _("这份申报不在形式审查队列中（当前：%(s)s）。")
    _allowed(app, transition, not_queued)
    if app.status != formal_queue_status(call):  # of the table's queue statuses, the one this call uses
        raise ValidationError(not_queued % {"s": app.get_status_display()})
    picked = [r for r in reasons if r]
    text = "；".join([*picked, comment.strip()] if comment.strip() else picked)
    if verdict != "pass" and not text:
        raise ValidationError(_("形式审查不通过或退回修改须说明理由。"))
    before, status = Application.WORKFLOW.apply(app, transition)
    app.status_reason = text[:4000]
    app.save(update_fields=["status", "status_reason", "updated_at"])
    _event(actor, app, action, before, status, text)
    log_action(actor, f"calls.application.{action}", app, scope_path=app.org_path, extra={"reasons": text})
    if verdict != "pass":
        _notify_applicant(app, dict(EventAction.choices)[action])
    return app


def _notify_applicant(app: Application, what: Any) -> None:
    person = app.applicant_person
    if person is None or person.user is None:
        return
    notify([person.user], title=_("%(c)s：%(w)s") % {"c": app.call.name, "w": what}, body=app.status_reason,
           url=reverse("calls:application", args=[app.pk]), key=f"calls-app-{app.pk}-{app.status}-{app.revision}")


# ---- experts and conflicts ----------------------------------------------------------------------
@transaction.atomic
def create_library(actor: Any, *, owner: Organisation, name: str, description: str = "") -> ExpertLibrary:
    require(actor, "calls.change", owner.path)
    if not name.strip():
        raise ValidationError(_("请填写专家库名称。"))
    lib = ExpertLibrary.objects.create(owner=owner, org_path=owner.path, name=name.strip()[:120],
                                       description=description[:4000])
    log_action(actor, "calls.library.created", lib, scope_path=lib.org_path)
    return lib


@transaction.atomic
def add_experts(actor: Any, library: ExpertLibrary, people: Iterable[Person], *, max_per_call: int = 20) -> int:
    library = ExpertLibrary.objects.select_for_update().get(pk=library.pk)
    require(actor, "calls.change", library.org_path)
    have = set(library.experts.values_list("person_id", flat=True))
    rows = [Expert(library=library, person=p, org_path=library.org_path, max_per_call=max_per_call)
            for p in people if p.pk not in have]
    Expert.objects.bulk_create(rows)
    log_action(actor, "calls.library.experts_added", library, scope_path=library.org_path,
               extra={"people": [e.person_id for e in rows]})
    return len(rows)


@transaction.atomic
def set_availability(actor: Any, expert: Expert, *, available: bool, until: dt.date | None = None,
                     max_per_call: int | None = None) -> Expert:
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    own = expert.person.user_id is not None and expert.person.user_id == getattr(actor, "pk", None)
    if not own:
        require(actor, "calls.change", expert.org_path)
    before = {"available": expert.available, "until": str(expert.unavailable_until or "")}
    expert.available, expert.unavailable_until = available, until
    if max_per_call is not None:
        if not 0 <= max_per_call <= 500:
            raise ValidationError(_("每批次最多评审数应在 0 到 500 之间。"))
        expert.max_per_call = max_per_call
    expert.save()
    log_action(actor, "calls.expert.availability", expert, scope_path=expert.org_path, before=before,
               after={"available": available, "until": str(until or "")})
    return expert


def can_declare(user: Any, app: Application, expert: Person) -> bool:
    return (expert.user_id is not None and expert.user_id == getattr(user, "pk", None)) or \
        user_can(user, "calls.change", app.call.org_path)


@transaction.atomic
def declare_conflict(actor: Any, app: Application, expert: Person, reason: str) -> ConflictDeclaration:
    """An expert declares a conflict (自行回避); an assignment of that application to them is released."""
    app = _lock_app(app)
    if not is_system(actor) and not can_declare(actor, app, expert):
        raise PermissionDenied(_("只有专家本人或批次主办单位可以申报回避。"))
    if not reason.strip():
        raise ValidationError(_("请说明回避理由。"))
    decl, created = ConflictDeclaration.objects.get_or_create(
        application=app, expert=expert,
        defaults={"reason": reason.strip()[:1000], "declared_by": _user(actor), "org_path": app.org_path})
    release = ReviewAssignment.WORKFLOW["release"]
    released = ReviewAssignment.objects.filter(application=app, expert=expert,
                                               status__in=release.sources).update(
        status=release.target, released_reason=reason.strip()[:1000])
    log_action(actor, "calls.conflict.declared", decl, scope_path=app.org_path,
               extra={"expert": expert.pk, "released": released, "new": created})
    return decl
