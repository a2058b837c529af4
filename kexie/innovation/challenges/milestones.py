"""Milestones of an awarded challenge (揭榜挂帅): set by staff (shares summing to at most 100%), evidence from the
winning team's leader, acceptance or rejection by staff along ``Milestone.WORKFLOW``; when every milestone is
accepted the challenge is completed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action
from kexie.core.services import require
from kexie.innovation import limits
from kexie.innovation.challenges.services import _lock, _move, _staff, _url, winner
from kexie.innovation.models import (
    Challenge,
    Milestone,
    MilestoneStatus,
)
from kexie.notices.services import notify

FLOW = Milestone.WORKFLOW


@transaction.atomic
def add_milestone(actor: Any, ch: Challenge, *, title: str, due: Any, share: Any) -> Milestone:
    ch = _lock(ch)
    require(actor, "innovation.change", ch.org_path)
    Challenge.WORKFLOW.check(ch, "milestone")
    title = (title or "").strip()
    errors: list[str] = []
    if not title:
        errors.append(_("请填写里程碑名称。"))
    elif len(title) > limits.TITLE:
        errors.append(_("里程碑名称不能超过 120 个字。"))
    due_date: dt.date | None = due if isinstance(due, dt.date) else None
    if due_date is None:
        try:
            due_date = dt.date.fromisoformat(str(due or "").strip())
        except ValueError:
            errors.append(_("计划完成日期的格式应为 YYYY-MM-DD。"))
    text = str(share if share is not None else "").strip()
    pct = int(text) if text.isdigit() and not isinstance(share, bool) else -1
    if not 1 <= pct <= 100:
        errors.append(_("拨付比例应为 1 到 100 的整数。"))
    if errors:
        raise ValidationError(errors)
    used = Milestone.objects.filter(challenge=ch).aggregate(s=Sum("share"))["s"] or 0
    if used + pct > 100:
        raise ValidationError(_("各里程碑拨付比例合计不能超过 100%%（已设 %(u)s%%，还可设 %(r)s%%）。")
                              % {"u": used, "r": 100 - used})
    assert due_date is not None
    ms = Milestone.objects.create(challenge=ch, title=title, due=due_date, share=pct, org_path=ch.org_path)
    log_action(actor, "innovation.challenge.milestone_added", ch, scope_path=ch.org_path,
               extra={"milestone": ms.pk, "title": title, "due": due_date.isoformat(), "share": pct})
    return ms


@transaction.atomic
def remove_milestone(actor: Any, ms: Milestone) -> None:
    ch = _lock(ms.challenge)
    require(actor, "innovation.change", ch.org_path)
    ms = Milestone.objects.select_for_update().get(pk=ms.pk)
    if not Challenge.WORKFLOW.allows(ch, "milestone") or not FLOW.allows(ms, "remove") or ms.evidence:
        raise ValidationError(str(FLOW["remove"].refusal))
    log_action(actor, "innovation.challenge.milestone_removed", ch, scope_path=ch.org_path,
               extra={"milestone": ms.pk, "title": ms.title, "share": ms.share})
    ms.delete()


@transaction.atomic
def submit_evidence(actor: Any, ms: Milestone, evidence: str) -> Milestone:
    """The winning team's leader reports a milestone done; staff are told to check it."""
    ch = _lock(ms.challenge)
    ms = Milestone.objects.select_for_update().get(pk=ms.pk)
    won = winner(ch)
    if won is None or won.leader.user_id is None or won.leader.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只有揭榜团队负责人可以提交完成情况。"))
    if not Challenge.WORKFLOW.allows(ch, "milestone"):
        raise ValidationError(str(FLOW["submit"].refusal))
    FLOW.check(ms, "submit")
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError(_("请填写完成情况。"))
    if len(evidence) > limits.OUTCOME:
        raise ValidationError(_("完成情况不能超过 4000 字。"))
    FLOW.apply(ms, "submit")
    ms.evidence = evidence
    ms.save(update_fields=["evidence", "status"])
    log_action(actor, "innovation.challenge.evidence", ch, scope_path=ch.org_path, extra={"milestone": ms.pk})
    notify(_staff(ch), title=_("里程碑待验收：%(t)s · %(m)s") % {"t": ch.title, "m": ms.title}, body=evidence,
           url=_url(ch), key=f"innovation-milestone-{ms.pk}-{timezone.now():%Y%m%d%H%M%S%f}")
    return ms


@transaction.atomic
def judge_milestone(actor: Any, ms: Milestone, *, accept: bool, verdict: str = "") -> Milestone:
    """Staff accept (when every milestone is accepted the challenge is completed) or reject with a verdict."""
    ch = _lock(ms.challenge)
    require(actor, "innovation.change", ch.org_path)
    ms = Milestone.objects.select_for_update().get(pk=ms.pk)
    FLOW.check(ms, "accept" if accept else "reject")
    verdict = limits.bounded(verdict, limits.REASON, _("验收意见"))
    if not accept and not verdict:
        raise ValidationError(_("验收不通过须说明意见。"))
    FLOW.apply(ms, "accept" if accept else "reject")
    ms.verdict, ms.accepted_at = verdict, timezone.now() if accept else None
    ms.save()
    log_action(actor, "innovation.challenge.milestone_judged", ch, scope_path=ch.org_path,
               extra={"milestone": ms.pk, "accept": accept, "verdict": ms.verdict})
    won = winner(ch)
    if won is not None:
        notify([won.leader.user], title=_("里程碑验收结果：%(m)s · %(s)s") % {
            "m": ms.title, "s": ms.get_status_display()}, body=ms.verdict, url=_url(ch),
            key=f"innovation-milestone-verdict-{ms.pk}-{timezone.now():%Y%m%d%H%M%S%f}")
    if accept and not Milestone.objects.filter(challenge=ch).exclude(status=MilestoneStatus.ACCEPTED).exists():
        _move(actor, ch, "complete", "completed")
    return ms
