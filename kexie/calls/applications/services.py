"""Writes of applications: applying, filling, submitting, withdrawing, nominations within quota (a row lock on
the nominating organisation's ``Quota``) and the formal check."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.calls import eligibility
from kexie.calls.common import ApplicationInvalid, _event, _user
from kexie.calls.models import (
    Application,
    ApplicationStatus,
    Call,
    EventAction,
    Quota,
    Stage,
)
from kexie.calls.setup.services import _require_stage, formal_queue_status, nominated_count
from kexie.core.audit import log_action, snapshot
from kexie.core.scope import user_can
from kexie.core.services import is_system, require
from kexie.formkit import schema as S
from kexie.notices.services import notify
from kexie.orgs.models import Organisation
from kexie.people.models import Person

MAX_AVOID = 3
SPLIT_RE = re.compile(r"[\s,，;；、/|]+")

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
        title=title.strip()[:200], created_by=_user(actor),
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
        if not title and submit:
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
    # Only the call is joined (batches of hundreds: the applicant is read when a notice goes out).
    app = Application.objects.select_for_update(of=("self",)).select_related("call").get(pk=app.pk)
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


# ---- the formal check in batches ------------------------------------------------------------------
BATCH_LIMIT = 500


@dataclass
class BatchOutcome:
    """What a batch formal check did: the applications moved, and per refused row its id, title and reason."""

    done: list[Application] = field(default_factory=list)
    failed: list[tuple[int, str, str]] = field(default_factory=list)


def formal_check_batch(actor: Any, call: Call, ids: Sequence[int], verdict: str, reasons: Sequence[str] = (),
                       comment: str = "") -> BatchOutcome:
    """Pass or return many applications of ``call`` with one reason. Each goes through ``formal_check`` in its
    own transaction: a refused row is reported with its reason and the rest proceed. What concerns the whole
    batch (the right over the call, the stage, the verdict, a return's reason) is checked once, before any row."""
    call = Call.objects.get(pk=call.pk)
    require(actor, "calls.change", call.org_path)
    _require_stage(call, Stage.FORMAL)
    if verdict not in ("pass", "return"):
        raise ValidationError(_("审查结论无效。"))
    if verdict == "return" and not ([r for r in reasons if r] or comment.strip()):
        raise ValidationError(_("形式审查不通过或退回修改须说明理由。"))
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise ValidationError(_("请至少选择一份申报。"))
    if len(wanted) > BATCH_LIMIT:
        raise ValidationError(_("一次最多处理 %(n)s 份申报。") % {"n": BATCH_LIMIT})
    found = {a.pk: a for a in Application.objects.filter(call=call, pk__in=wanted).only("pk", "title", "call_id")}
    out = BatchOutcome()
    for pk in wanted:
        app = found.get(pk)
        if app is None:
            out.failed.append((pk, "", _("这份申报不属于本批次。")))
            continue
        try:
            out.done.append(formal_check(actor, app, verdict, reasons, comment))
        except (ValidationError, PermissionDenied) as exc:
            text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            out.failed.append((pk, app.title, text))
    return out


# ---- closing an abandoned application -------------------------------------------------------------
def resubmission_deadline(app: Application) -> dt.date | None:
    """The last day the applicant could still act: the 申报 deadline for a draft, the 形式审查 deadline (when a
    returned application must come back) for a return."""
    stage = Stage.APPLY if app.status == ApplicationStatus.DRAFT else Stage.FORMAL
    deadline: dt.date | None = app.call.deadline_of(stage)
    return deadline


def closing_is_early(app: Application, today: dt.date | None = None) -> bool:
    """Whether the applicant could still submit: the stage in which they act is current and its deadline (if
    any) has not passed. Staff may still close then, after a warning."""
    stage = Stage.APPLY if app.status == ApplicationStatus.DRAFT else Stage.FORMAL
    if app.call.current_stage != stage:
        return False
    deadline = resubmission_deadline(app)
    return deadline is None or (today or timezone.localdate()) <= deadline


@transaction.atomic
def close_application(actor: Any, app: Application, reason: str) -> Application:
    """关闭申报: the call's staff close a draft never submitted or a return never resubmitted, with the reason;
    the applicant is told. Stage advances no longer wait for it (decision 0039)."""
    app = _lock_app(app)
    call = app.call
    require(actor, "calls.change", call.org_path)
    Call.WORKFLOW.check(call, "advance")  # only while the call runs
    _allowed(app, "close", _("只有草稿或退回修改的申报可以关闭（当前：%(s)s）。"))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("关闭申报须说明理由。"))
    early = closing_is_early(app)
    before, _new = Application.WORKFLOW.apply(app, "close")
    app.status_reason = reason[:4000]
    app.save(update_fields=["status", "status_reason", "updated_at"])
    _event(actor, app, EventAction.CLOSED, before, app.status, app.status_reason)
    log_action(actor, "calls.application.closed", app, scope_path=app.org_path,
               before={"status": before}, after={"status": app.status},
               extra={"reason": app.status_reason, "before_deadline": early})
    _notify_applicant(app, _("申报已关闭"))
    return app


def _notify_applicant(app: Application, what: Any) -> None:
    person = app.applicant_person
    if person is None or person.user is None:
        return
    notify([person.user], title=_("%(w)s：%(t)s — %(c)s") % {"w": what, "t": app.title or app.call.name, "c": app.call.name}, body=app.status_reason,
           url=reverse("calls:application", args=[app.pk]), key=f"calls-app-{app.pk}-{app.status}-{app.revision}")
