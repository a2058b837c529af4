"""Reviewing and results of 申报评审 (SPEC §3.4, decision 0013 "Reviewing and results").

Writes follow the rules of ``services``: a transaction, ``select_for_update`` re-read, ``require()`` on the fresh
row, an audit row. Assignment locks the call row, so two staff running it at once queue: the second sees the
first's assignments as pinned and adds nothing. A review locks its own assignment row, so two reviewers
submitting at once both land and a double submission is refused.

This module: assignment, reviews and meeting votes; ``publication`` has the results, notice, objections and appeals."""

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

from kexie.calls.common import person_of
from kexie.calls.models import (
    REVIEW_STAGES,
    AppealStatus,
    Application,
    AssignmentStatus,
    Call,
    CaseStatus,
    Expert,
    MeetingVote,
    Recommendation,
    Review,
    ReviewAssignment,
    Stage,
    Vote,
)
from kexie.calls.review import assign as engine
from kexie.calls.review import conflicts as C
from kexie.core.audit import log_action
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
    tell_assigned(call, {r.expert_id for r in rows})
    return AssignOutcome(call=call, created=len(rows), kept=len(pinned), result=result)


def tell_assigned(call: Call, expert_ids: set[int]) -> int:
    """Each newly assigned expert with an account: one notice per call and stage, with how many applications
    await them and the deadline (a rerun that adds one more sends nothing again)."""
    if not expert_ids:
        return 0
    stage = call.current_stage
    counts = dict(ReviewAssignment.objects.filter(call=call, stage=stage, expert_id__in=expert_ids)
                  .exclude(status=AssignmentStatus.RELEASED).values("expert_id").annotate(n=Count("pk"))
                  .values_list("expert_id", "n"))
    deadline = call.deadline_of(stage)
    body = (_("请于 %(d)s 前提交评审意见。") % {"d": deadline.isoformat()} if deadline
            else _("请及时提交评审意见。"))
    sent = 0
    for person in Person.objects.filter(pk__in=list(counts), user__isnull=False).select_related("user"):
        sent += notify([person.user], title=_("评审任务：%(c)s（%(n)s 份）") % {"c": call.name, "n": counts[person.pk]},
                       body=body, url=reverse("calls:my-reviews"), key=f"calls-assigned-{call.pk}-{stage}")
    return sent


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
