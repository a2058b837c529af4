"""Results of a call: computed results, the public notice and objections, the final results and appeals (复审)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.calls.common import _event, _user
from kexie.calls.models import (
    Appeal,
    AppealStatus,
    Application,
    ApplicationStatus,
    Call,
    CaseStatus,
    EventAction,
    Objection,
    Review,
    ReviewStatus,
    Stage,
)
from kexie.calls.review import results as R
from kexie.calls.review.services import (
    APPEAL_VERDICTS,
    FLOW,
    IN_REVIEW,
    OBJECTION_VERDICTS,
    _lock_call,
    _today,
    vote_counts,
)
from kexie.core.audit import log_action
from kexie.core.scope import user_can
from kexie.core.services import is_system, require
from kexie.notices.services import notify


# ---- results ------------------------------------------------------------------------------------
@dataclass
class CallResults:
    applications: list[Application]
    rows: list[dict[str, Any]]  # aligned with applications
    line: float | None
    sigma: float
    df: int


def compute_results(call: Call) -> CallResults:
    apps = list(Application.objects.filter(call=call).exclude(status__in=[
        ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN, ApplicationStatus.CLOSED, ApplicationStatus.NOT_NOMINATED,
        ApplicationStatus.FORMAL_FAILED, ApplicationStatus.SUBMITTED, ApplicationStatus.NOMINATED,
        ApplicationStatus.RETURNED, ApplicationStatus.FORMAL_PASSED]).select_related(
        "applicant_person", "applicant_org").order_by("pk"))
    idx = {a.pk: i for i, a in enumerate(apps)}
    reviews = list(Review.objects.filter(call=call, status=ReviewStatus.SUBMITTED, total__isnull=False,
                                         application_id__in=list(idx)).values_list(
        "application_id", "reviewer_id", "total"))
    rev_ids = sorted({r for _a, r, _t in reviews})
    ridx = {r: j for j, r in enumerate(rev_ids)}
    res = R.compute([idx[a] for a, _r, _t in reviews], [ridx[r] for _a, r, _t in reviews],
                    [float(t or 0.0) for _a, _r, t in reviews], n_apps=len(apps), n_reviewers=len(rev_ids),
                    places=call.places)
    votes = vote_counts(call)
    rows = []
    for i, a in enumerate(apps):
        row = res.row(i)
        row["votes"] = votes.get(a.pk)
        rows.append(row)
    return CallResults(applications=apps, rows=rows, line=res.line, sigma=res.sigma, df=res.df)


# ---- public notice and objections ---------------------------------------------------------------
@transaction.atomic
def publish_notice(actor: Any, call: Call, application_ids: Sequence[int]) -> Call:
    """Publish the proposed list for 公示 (the panel's decision, including the grey zone) for ``notice_days``."""
    call = _lock_call(call)
    require(actor, "calls.change", call.org_path)
    if not Call.WORKFLOW.allows(call, "advance") or call.current_stage != Stage.NOTICE:
        raise ValidationError(_("该批次当前不在公示阶段。"))
    if call.notice_starts is not None:
        raise ValidationError(_("公示已经发布。"))
    apps = list(Application.objects.select_for_update().filter(call=call, pk__in=list(application_ids),
                                                               status__in=IN_REVIEW))
    if not apps or len(apps) != len(set(application_ids)):
        raise ValidationError(_("请选择评审中的申报进行公示。"))
    call.notice_starts = _today()
    call.notice_ends = call.notice_starts + dt.timedelta(days=max(call.notice_days, 1) - 1)
    call.save(update_fields=["notice_starts", "notice_ends", "updated_at"])
    for app in apps:
        old, new = FLOW.apply(app, "publicise")
        _event(actor, app, EventAction.STAGE, old, new, _("进入公示。"))
    Application.objects.bulk_update(apps, ["status"])
    log_action(actor, "calls.call.notice", call, scope_path=call.org_path,
               extra={"applications": sorted(a.pk for a in apps), "ends": call.notice_ends.isoformat()})
    return call


def notice_open(call: Call, today: dt.date | None = None) -> bool:
    today = today or _today()
    return (call.notice_starts is not None and call.notice_ends is not None
            and call.notice_starts <= today <= call.notice_ends)


@transaction.atomic
def lodge_objection(actor: Any, app: Application, *, name: str, contact: str, text: str) -> Objection:
    app = Application.objects.select_for_update().select_related("call").get(pk=app.pk)
    call = app.call
    FLOW.check(app, "object")
    if not notice_open(call):
        raise ValidationError(_("不在公示期内，不能提出异议。"))
    name, contact, text = name.strip()[:60], contact.strip()[:200], text.strip()
    errors = []
    if not name:
        errors.append(_("请填写异议人姓名（实名提出）。"))
    if not contact:
        errors.append(_("请填写联系方式。"))
    if not text:
        errors.append(_("请填写异议内容。"))
    elif len(text) > 4000:
        errors.append(_("异议内容不能超过 4000 字。"))
    if errors:
        raise ValidationError(errors)
    obj = Objection.objects.create(call=call, application=app, name=name, contact=contact, text=text,
                                   lodged_by=_user(actor), org_path=app.org_path)
    log_action(actor, "calls.objection.lodged", obj, scope_path=app.org_path, extra={"application": app.pk})
    return obj


@transaction.atomic
def handle_objection(actor: Any, objection: Objection, verdict: str, reason: str) -> Objection:
    objection = Objection.objects.select_for_update().select_related("call").get(pk=objection.pk)
    require(actor, "calls.change", objection.call.org_path)
    Objection.WORKFLOW.check(objection, "uphold")  # either verdict: only an open case
    if verdict not in OBJECTION_VERDICTS:
        raise ValidationError(_("处理结论无效。"))
    if not reason.strip():
        raise ValidationError(_("请说明处理意见。"))
    Objection.WORKFLOW.apply(objection, OBJECTION_VERDICTS[verdict])
    objection.handled_by, objection.handled_at = _user(actor), timezone.now()
    objection.handling_reason = reason.strip()[:4000]
    objection.save()
    log_action(actor, "calls.objection.handled", objection, scope_path=objection.org_path,
               extra={"verdict": verdict})
    return objection


# ---- final results ------------------------------------------------------------------------------
@transaction.atomic
def finalise(actor: Any, call: Call, approved_ids: Sequence[int] | None = None) -> dict[str, int]:
    """Final results. With a 公示 stage: the publicised applications without an upheld objection are approved
    (no open objection may remain, and the period must be over); without one, ``approved_ids`` are."""
    call = _lock_call(call)
    require(actor, "calls.change", call.org_path)
    if not Call.WORKFLOW.allows(call, "advance") or call.current_stage != Stage.RESULT:
        raise ValidationError(_("该批次当前不在结果阶段。"))
    if call.results_published_at is not None:
        raise ValidationError(_("结果已经发布。"))
    if Objection.objects.filter(call=call, status=CaseStatus.OPEN).exists():
        raise ValidationError(_("还有未处理的公示异议。"))
    apps = list(Application.objects.select_for_update().filter(call=call, status__in=FLOW.sources("approve")))
    if call.has_stage(Stage.NOTICE):
        if call.notice_ends is None:
            raise ValidationError(_("尚未发布公示。"))
        if _today() <= call.notice_ends:
            raise ValidationError(_("公示期至 %(d)s 结束，之后方可发布结果。") % {"d": call.notice_ends.isoformat()})
        upheld = set(Objection.objects.filter(call=call, status=CaseStatus.UPHELD).values_list(
            "application_id", flat=True))
        approved = {a.pk for a in apps if a.status == ApplicationStatus.PUBLICISED and a.pk not in upheld}
    else:
        approved = set(approved_ids or ())
        if not approved <= {a.pk for a in apps}:
            raise ValidationError(_("入选名单中有不在评审中的申报。"))
    counts = {"approved": 0, "not_approved": 0}
    for app in apps:
        old, status = FLOW.apply(app, "approve" if app.pk in approved else "not_approve")
        reason = _("经评审入选。") if app.pk in approved else _("经评审未入选。")
        _event(actor, app, EventAction.STAGE, old, status, reason)
        app.status_reason = reason
        counts[status] += 1
    Application.objects.bulk_update(apps, ["status", "status_reason"])
    call.results_published_at = timezone.now()
    call.save(update_fields=["results_published_at", "updated_at"])
    log_action(actor, "calls.call.results", call, scope_path=call.org_path, extra=counts)
    for app in apps:
        person = app.applicant_person
        if person is not None and person.user is not None:
            notify([person.user], title=_("评审结果：%(t)s — %(c)s") % {"t": app.title or call.name, "c": call.name}, body=app.status_reason,
                   url=reverse("calls:result", args=[app.pk]), key=f"calls-result-{app.pk}")
    return counts


# ---- appeals (复审) -----------------------------------------------------------------------------
def appeal_deadline(call: Call) -> dt.date | None:
    if call.results_published_at is None:
        return None
    return timezone.localdate(call.results_published_at) + dt.timedelta(days=call.appeal_lodge_days)


def is_applicant(user: Any, app: Application) -> bool:
    return bool(app.applicant_person_id and app.applicant_person
                and app.applicant_person.user_id == getattr(user, "pk", -1))


@transaction.atomic
def lodge_appeal(actor: Any, app: Application, reasons: str) -> Appeal:
    app = Application.objects.select_for_update().select_related("call").get(pk=app.pk)
    call = app.call
    if not is_system(actor) and not (is_applicant(actor, app) or user_can(actor, "calls.change", app.org_path)):
        raise PermissionDenied(_("只有申报人可以申请复审。"))
    deadline = appeal_deadline(call)
    if deadline is None:
        raise ValidationError(_("结果发布后方可申请复审。"))
    FLOW.check(app, "appeal")
    if _today() > deadline:
        raise ValidationError(_("复审申请期限已于 %(d)s 截止。") % {"d": deadline.isoformat()})
    if Appeal.objects.filter(application=app).exists():
        raise ValidationError(_("这份申报已申请过复审。"))
    if not reasons.strip():
        raise ValidationError(_("请说明复审理由。"))
    appeal = Appeal.objects.create(call=call, application=app, lodged_by=_user(actor), reasons=reasons.strip()[:4000],
                                   decide_by=_today() + dt.timedelta(days=call.appeal_decide_days),
                                   org_path=app.org_path)
    log_action(actor, "calls.appeal.lodged", appeal, scope_path=app.org_path, extra={"application": app.pk})
    return appeal


@transaction.atomic
def decide_appeal(actor: Any, appeal: Appeal, verdict: str, decision: str) -> Appeal:
    """Upheld: a 未入选 application becomes 入选 (and an 入选 one 未入选); rejected: the result stands."""
    appeal = Appeal.objects.select_for_update().select_related("call").get(pk=appeal.pk)
    require(actor, "calls.change", appeal.call.org_path)
    Appeal.WORKFLOW.check(appeal, "uphold")  # either verdict: only a lodged appeal
    if verdict not in APPEAL_VERDICTS:
        raise ValidationError(_("复审结论无效。"))
    if not decision.strip():
        raise ValidationError(_("请填写复审决定的理由。"))
    Appeal.WORKFLOW.apply(appeal, APPEAL_VERDICTS[verdict])
    appeal.decision = decision.strip()[:4000]
    appeal.decided_by, appeal.decided_at = _user(actor), timezone.now()
    appeal.save()
    if verdict == AppealStatus.UPHELD:
        app = Application.objects.select_for_update().get(pk=appeal.application_id)
        old, new = FLOW.apply(app, "reconsider", ApplicationStatus.APPROVED
                              if app.status == ApplicationStatus.NOT_APPROVED else ApplicationStatus.NOT_APPROVED)
        _event(actor, app, EventAction.STAGE, old, new, appeal.decision)
        app.status_reason = appeal.decision
        app.save(update_fields=["status", "status_reason", "updated_at"])
    log_action(actor, "calls.appeal.decided", appeal, scope_path=appeal.org_path,
               extra={"verdict": verdict, "late": _today() > appeal.decide_by})
    return appeal


def opinions_for_applicant(app: Application) -> list[dict[str, Any]]:
    """Submitted reviews as the applicant sees them: 专家一, 专家二 … in a fixed order, never a name."""
    out = []
    for i, r in enumerate(Review.objects.filter(application=app, status=ReviewStatus.SUBMITTED).order_by("pk"),
                          start=1):
        out.append({"label": _("专家 %(n)s") % {"n": i}, "total": r.total, "scores": r.scores,
                    "comment": r.comment, "recommendation": r.get_recommendation_display()})
    return out
