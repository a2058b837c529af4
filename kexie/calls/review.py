"""Reviewing and results of 申报评审 (SPEC §3.4, decision 0013 "Reviewing and results").

Writes follow the rules of ``services``: a transaction, ``select_for_update`` re-read, ``require()`` on the fresh
row, an audit row. Assignment locks the call row, so two staff running it at once queue: the second sees the
first's assignments as pinned and adds nothing. A review locks its own assignment row, so two reviewers
submitting at once both land and a double submission is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.calls import assign as engine
from kexie.calls import conflicts as C
from kexie.calls import results as R
from kexie.calls.models import (
    REVIEW_STAGES,
    Appeal,
    AppealStatus,
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    CaseStatus,
    EventAction,
    Expert,
    MeetingVote,
    Objection,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewStatus,
    Stage,
    Vote,
)
from kexie.calls.services import _event, _user, person_of
from kexie.core.audit import log_action
from kexie.core.scope import user_can
from kexie.core.services import is_system, require
from kexie.notices.services import notify
from kexie.people.models import Person

FLOW = Application.WORKFLOW
IN_REVIEW = FLOW.sources("review")
APPEAL_VERDICTS: dict[str, str] = {AppealStatus.UPHELD: "uphold", AppealStatus.REJECTED: "reject"}
OBJECTION_VERDICTS: dict[str, str] = {CaseStatus.UPHELD: "uphold", CaseStatus.DISMISSED: "dismiss"}


def _today() -> dt.date:
    return timezone.localdate()


def anon_code(app: Application | int) -> str:
    """A stable anonymised code for an application (blind review): keyed hash of its id, never its name."""
    pk = app if isinstance(app, int) else app.pk
    digest = hmac.new(settings.SECRET_KEY.encode(), f"calls-app-{pk}".encode(), hashlib.sha256).hexdigest()
    return "R-" + digest[:6].upper()


def _lock_call(call: Call) -> Call:
    fresh: Call = Call.objects.select_for_update().get(pk=call.pk)
    return fresh


def _require_review_stage(call: Call) -> None:
    if not Call.WORKFLOW.allows(call, "advance") or call.current_stage not in REVIEW_STAGES:
        raise ValidationError(_("该批次当前不在专家评审阶段。"))


# ---- assignment ---------------------------------------------------------------------------------
@dataclass
class AssignOutcome:
    call: Call
    created: int
    kept: int
    result: engine.Result

    def to_dict(self) -> dict[str, Any]:
        return {"call": {"id": self.call.pk, "code": self.call.code, "name": self.call.name},
                "pairs_assigned": self.created, "pairs_kept": self.kept,
                "objective": round(self.result.objective, 6), "optimum_bound": round(self.result.optimum_bound, 6),
                "conflicts_violated": self.result.conflicts_violated,
                "load_violations": self.result.load_violations, "seconds": round(self.result.seconds, 4),
                "mode": self.result.mode}


def reviewers_of(call: Call) -> list[Expert]:
    if call.expert_library_id is None:
        return []
    today = _today()
    experts: list[Expert] = list(
        Expert.objects.filter(library_id=call.expert_library_id, available=True, person__deleted_at__isnull=True)
        .filter(Q(unavailable_until__isnull=True) | Q(unavailable_until__lt=today)).order_by("person_id"))
    return experts


@transaction.atomic
def run_assignment(actor: Any, call: Call, *, mode: str = "optimal", seed: int | None = None) -> AssignOutcome:
    """Assign the call's reviewers to its applications under review. Existing live assignments are pinned (a
    rerun only fills what conflicts released); the call row is locked for the whole run."""
    call = _lock_call(call)
    require(actor, "calls.change", call.org_path)
    _require_review_stage(call)
    stage = call.current_stage
    experts = reviewers_of(call)
    if not experts:
        raise ValidationError(_("本批次没有可用的评审专家（请先指定评审专家库）。"))
    apps = list(Application.objects.filter(call=call, status__in=IN_REVIEW).order_by("pk"))
    if not apps:
        raise ValidationError(_("没有处于评审中的申报。"))
    aff = C.affinity(experts, apps)
    found = C.conflicts(call, experts, apps)
    mask = aff.conflict_mask(found).T  # applications × reviewers
    col = {pid: j for j, pid in enumerate(aff.expert_ids)}
    row = {aid: i for i, aid in enumerate(aff.application_ids)}
    existing = list(ReviewAssignment.objects.filter(call=call, stage=stage).values_list(
        "application_id", "expert_id", "status"))
    pinned = [(row[a], col[e]) for a, e, s in existing if s != AssignmentStatus.RELEASED and a in row and e in col]
    forbidden = [(row[a], col[e]) for a, e, s in existing if s == AssignmentStatus.RELEASED and a in row and e in col]
    max_load = [next(x.max_per_call for x in experts if x.person_id == pid) for pid in aff.expert_ids]
    # every non-conflicting pair qualifies; affinity only orders them
    matrix = aff.matrix.T.astype(np.float64) + 1e-3
    inst = engine.Instance.from_matrix(matrix, per_app=call.reviews_per_application, max_load=max_load,
                                       conflicts=mask, forbidden=forbidden or None, pinned=pinned or None,
                                       app_labels=[a.title for a in apps])
    try:
        result = engine.solve(inst, mode=mode, seed=seed)
    except engine.AssignmentError as exc:
        raise ValidationError(str(exc)) from exc
    have = {(i, j) for i, j in pinned}
    new = [(int(i), int(j)) for i, j in result.pairs.tolist() if (int(i), int(j)) not in have]
    rows = [ReviewAssignment(call=call, application_id=aff.application_ids[i], expert_id=aff.expert_ids[j],
                             stage=stage, affinity=float(aff.matrix[j, i]), org_path=call.org_path)
            for i, j in new]
    ReviewAssignment.objects.bulk_create(rows)
    log_action(actor, "calls.call.assigned", call, scope_path=call.org_path,
               extra={"mode": mode, "seed": seed, "created": len(rows), "kept": len(pinned),
                      "objective": round(result.objective, 6), "conflicts_violated": result.conflicts_violated})
    return AssignOutcome(call=call, created=len(rows), kept=len(pinned), result=result)


# ---- reviews ------------------------------------------------------------------------------------
def validate_scores(rubric: Sequence[Mapping[str, Any]], raw: Mapping[str, Any], *, complete: bool
                    ) -> tuple[dict[str, float], float | None, list[str]]:
    """Scores per criterion (0…max) → (scores, weighted total on a 100-point scale or None, errors)."""
    scores: dict[str, float] = {}
    errors: list[str] = []
    for c in rubric:
        key, label, maximum = str(c["key"]), str(c["label"]), float(c["max"])
        value = raw.get(key)
        if value is None or str(value).strip() == "":
            if complete:
                errors.append(_("请为“%(l)s”评分。") % {"l": label})
            continue
        try:
            x = float(str(value).strip())
        except ValueError:
            errors.append(_("“%(l)s”的评分应为数字。") % {"l": label})
            continue
        if not (0 <= x <= maximum) or x != x:
            errors.append(_("“%(l)s”的评分应在 0 到 %(m)s 之间。") % {"l": label, "m": f"{maximum:g}"})
            continue
        scores[key] = x
    total = None
    if not errors and len(scores) == len(rubric) and rubric:
        total = round(sum(float(c["weight"]) * scores[str(c["key"])] / float(c["max"]) for c in rubric) * 100, 4)
    return scores, total, errors


def can_review(user: Any, assignment: ReviewAssignment) -> bool:
    person = person_of(user)
    return person is not None and person.pk == assignment.expert_id


@transaction.atomic
def save_review(actor: Any, assignment: ReviewAssignment, *, scores: Mapping[str, Any], comment: str = "",
                recommendation: str = "", submit: bool = False) -> Review:
    """The assigned expert saves (draft) or submits their review; a submitted review is final."""
    assignment = ReviewAssignment.objects.select_for_update().select_related("call").get(pk=assignment.pk)
    if not is_system(actor) and not can_review(actor, assignment):
        raise PermissionDenied(_("只有被分配的评审专家本人可以评审。"))
    call = assignment.call
    ReviewAssignment.WORKFLOW.check(assignment, "review")
    review = Review.objects.filter(assignment=assignment).first()
    if review is not None:
        Review.WORKFLOW.check(review, "submit" if submit else "save")
    if not Call.WORKFLOW.allows(call, "advance") or call.current_stage != assignment.stage:
        raise ValidationError(_("评审阶段已结束。"))
    deadline = call.deadline_of(assignment.stage)
    if deadline is not None and _today() > deadline:
        raise ValidationError(_("评审已于 %(d)s 截止。") % {"d": deadline.isoformat()})
    clean, total, errors = validate_scores(call.rubric or [], scores, complete=submit)
    comment = comment.strip()
    if submit and not comment:
        errors.append(_("请填写评审意见。"))
    if recommendation and recommendation not in Recommendation.values:
        errors.append(_("推荐意见无效。"))
    elif submit and not recommendation:
        errors.append(_("请选择推荐意见。"))
    if len(comment) > 8000:
        errors.append(_("评审意见不能超过 8000 字。"))
    if errors:
        raise ValidationError(errors)
    if review is None:
        review = Review(assignment=assignment, call=call, application_id=assignment.application_id,
                        reviewer_id=assignment.expert_id, org_path=call.org_path)
    review.scores, review.total, review.comment, review.recommendation = clean, total, comment, recommendation
    if submit:
        Review.WORKFLOW.apply(review, "submit")
        review.submitted_at = timezone.now()
        if ReviewAssignment.WORKFLOW.allows(assignment, "complete"):
            ReviewAssignment.WORKFLOW.apply(assignment, "complete")
            assignment.save(update_fields=["status"])
    review.save()
    log_action(actor, "calls.review.submitted" if submit else "calls.review.saved", review,
               scope_path=call.org_path, extra={"total": total})
    return review


def remind_reviewers(call: Call, *, days_before: int = 3, today: dt.date | None = None) -> int:
    """Deadline reminder to every expert with an unfinished review, once per call, stage and day."""
    deadline = call.deadline_of(call.current_stage)
    today = today or _today()
    if call.current_stage not in REVIEW_STAGES or deadline is None or not (
            0 <= (deadline - today).days <= days_before):
        return 0
    open_ = ReviewAssignment.objects.filter(call=call, stage=call.current_stage, status=AssignmentStatus.ASSIGNED)
    users = [p.user for p in Person.objects.filter(pk__in=open_.values("expert_id")).select_related("user")
             if p.user is not None]
    return notify(users, title=_("评审提醒：%(c)s") % {"c": call.name},
                  body=_("评审将于 %(d)s 截止，请及时提交评审意见。") % {"d": deadline.isoformat()},
                  url=reverse("calls:my-reviews"), key=f"calls-remind-{call.pk}-{call.current_stage}-{today}")


# ---- meeting votes ------------------------------------------------------------------------------
def panel_of(call: Call) -> list[Person]:
    return [e.person for e in Expert.objects.filter(library_id=call.expert_library_id).select_related("person")]


@transaction.atomic
def cast_vote(actor: Any, app: Application, member: Person, vote: str, round_: int = 1) -> MeetingVote:
    """A panel member's vote at the meeting review (the member themself, or the call's staff recording it)."""
    app = Application.objects.select_for_update().select_related("call").get(pk=app.pk)
    call = app.call
    own = member.user_id is not None and member.user_id == getattr(actor, "pk", None)
    if not is_system(actor) and not own:
        require(actor, "calls.change", call.org_path)
    if not Call.WORKFLOW.allows(call, "advance") or call.current_stage != Stage.REVIEW_MEETING:
        raise ValidationError(_("该批次当前不在会议评审阶段。"))
    if vote not in Vote.values:
        raise ValidationError(_("表决意见无效。"))
    if round_ < 1:
        raise ValidationError(_("轮次应为正整数。"))
    if not Expert.objects.filter(library_id=call.expert_library_id, person=member).exists():
        raise ValidationError(_("“%(n)s”不是本批次的评审委员。") % {"n": member.name})
    FLOW.check(app, "review")
    row, created = MeetingVote.objects.update_or_create(
        application=app, member=member, round=round_,
        defaults={"vote": vote, "call": call, "org_path": call.org_path})
    log_action(actor, "calls.vote.cast", row, scope_path=call.org_path,
               extra={"application": app.pk, "round": round_, "vote": vote, "new": created})
    return row


def vote_counts(call: Call) -> dict[int, dict[str, int]]:
    """Per application, the counts of its latest round: {"round", "yes", "no", "abstain"}."""
    out: dict[int, dict[str, int]] = {}
    rows = MeetingVote.objects.filter(call=call).values("application_id", "round", "vote").annotate(n=Count("id"))
    for r in rows:
        cur = out.get(r["application_id"])
        if cur is None or r["round"] > cur["round"]:
            cur = out[r["application_id"]] = {"round": r["round"], "yes": 0, "no": 0, "abstain": 0}
        if r["round"] == cur["round"]:
            cur[r["vote"]] += r["n"]
    return out


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
        ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN, ApplicationStatus.NOT_NOMINATED,
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
            notify([person.user], title=_("%(c)s：评审结果") % {"c": call.name}, body=app.status_reason,
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
