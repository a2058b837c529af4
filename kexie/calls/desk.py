"""申报评审 on the to-do desk (工作台, decision 0041): applications waiting for the formal check, applications to
nominate within my organisations' quotas, calls whose current stage is past its deadline, my own reviews to score
(staff who are also experts); and the applications I returned that wait for their applicants.

A stage's deadline lives in the call's ``stages`` (JSON), so each line counts by call in one grouped query and reads
the few calls' stages in a second one; the nearest deadline and the overdue count come from those."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.calls.models import (
    REVIEW_STAGES,
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    CallStatus,
    ReviewAssignment,
    Stage,
)
from kexie.core.registry import Todo
from kexie.core.scope import scope_paths
from kexie.orgs.models import Organisation

CALLS_READ = 100  # open calls read for stage deadlines (a province runs a handful at a time)


def _by_call(qs: Any, stage: str | None) -> tuple[int, dt.date | None, int, int | None]:
    """``(count, nearest deadline, count past it, the call when there is one)`` of ``qs`` grouped by call, the
    deadline being that of ``stage`` (the call's current stage when ``None``)."""
    counts = {r["call"]: r["n"] for r in qs.order_by().values("call").annotate(n=Count("pk"))[:CALLS_READ]}
    if not counts:
        return 0, None, 0, None
    today = timezone.localdate()
    first: dt.date | None = None
    late = 0
    for call in Call.objects.filter(pk__in=list(counts)).only("pk", "stages", "current_stage"):
        deadline = call.deadline_of(stage or call.current_stage)
        if deadline is None:
            continue
        first = deadline if first is None else min(first, deadline)
        late += counts[call.pk] if deadline < today else 0
    return sum(counts.values()), first, late, next(iter(counts)) if len(counts) == 1 else None


def _reviews(user: Any) -> Todo | None:
    """The user's own review tasks (a staff member who is also an expert), at the stage under way."""
    qs = ReviewAssignment.objects.filter(expert__user=user, expert__deleted_at__isnull=True,
                                         status=AssignmentStatus.ASSIGNED, call__status=CallStatus.OPEN,
                                         call__current_stage__in=REVIEW_STAGES)
    n, first, late, call = _by_call(qs, None)
    if not n:
        return None
    return Todo(_("待我评审的申报"), n, reverse("calls:my-reviews") + f"?status={AssignmentStatus.ASSIGNED}",
                first, late, order=24, note=_("评审截止"))


def todos(user: Any) -> list[Todo]:
    out: list[Todo] = []
    review = _reviews(user)
    if review is not None:
        out.append(review)
    if scope_paths(user, "calls.change") == []:
        return out
    list_url = reverse("calls:list")
    mine = Call.objects.for_user(user, "calls.change").alive().filter(status=CallStatus.OPEN)
    queue = Q(applications__status__in=(ApplicationStatus.SUBMITTED, ApplicationStatus.NOMINATED))
    calls = list(mine.annotate(formal=Count("applications", filter=queue)).only(
        "pk", "name", "stages", "current_stage").order_by("pk")[:CALLS_READ])
    today = timezone.localdate()
    # 形式审查: the calls at that stage with applications in the queue.
    formal = [c for c in calls if c.current_stage == Stage.FORMAL and c.formal]  # type: ignore[attr-defined]
    deadlines = [(c, c.deadline_of(Stage.FORMAL)) for c in formal]
    out.append(Todo(_("待形式审查的申报"), sum(c.formal for c in formal),  # type: ignore[attr-defined]
                    reverse("calls:formal", args=[formal[0].pk]) if len(formal) == 1 else list_url,
                    min((d for _c, d in deadlines if d), default=None),
                    sum(c.formal for c, d in deadlines if d and d < today),  # type: ignore[attr-defined]
                    order=20, note=_("形式审查截止")))
    # 阶段逾期: my open calls whose current stage has passed its deadline (advance them, or close what blocks them).
    past = [(c, d) for c in calls if (d := c.deadline_of(c.current_stage)) is not None and d < today]
    out.append(Todo(_("当前阶段已过截止日期的批次"), len(past),
                    reverse("calls:detail", args=[past[0][0].pk]) if len(past) == 1 else list_url,
                    min((d for _c, d in past), default=None), len(past), order=26, note=_("阶段截止")))
    # 单位推荐: applications naming one of my organisations as nominator, at the nomination stage.
    n, first, late, call = _by_call(Application.objects.for_user(user, "calls.change").filter(
        status=ApplicationStatus.SUBMITTED, call__status=CallStatus.OPEN, call__current_stage=Stage.NOMINATE,
        nominator__in=Organisation.objects.for_user(user, "calls.change").values("pk")), Stage.NOMINATE)
    out.append(Todo(_("待本单位推荐的申报"), n, reverse("calls:nominations", args=[call]) if call else list_url,
                    first, late, order=22, note=_("推荐截止")))
    # 等待他人: applications returned in my calls, waiting for the applicant to resubmit by the formal deadline.
    n, first, late, call = _by_call(Application.objects.filter(
        call__in=mine.values("pk"), status=ApplicationStatus.RETURNED), Stage.FORMAL)
    out.append(Todo(_("已退回、待申请人重新提交的申报"), n,
                    reverse("calls:formal", args=[call]) if call else list_url, first, late, kind="waiting",
                    order=20, note=_("重新提交截止")))
    return out
