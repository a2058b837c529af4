"""The after-review clock of fast-published items: a reminder when a quarter of the incident's window is left, and
督办 once the deadline has passed without a result — a notice to the incident's approver and the editors
(``kepu.publish``) of the parent organisation, the item marked ``after_review_escalated_at`` (exactly once).

``after_review_sweep(now)`` runs in ``kexie daily`` and, without cron, as django-tasks tasks that ``fast_publish``
queues for the reminder time and the deadline (``schedule_sweeps``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action
from kexie.core.services import SYSTEM
from kexie.kepu.models import (
    Item,
    ItemEvent,
    ItemEventAction,
    ItemStatus,
    Review,
    RoundKind,
    RoundStatus,
    TaskDecision,
)
from kexie.notices.services import notify
from kexie.signup.recipients import ancestor_paths
from kexie.signup.recipients import deciders as _deciders

REMIND_SHARE = 4  # remind when 1/4 of the window is left
MAX_WINDOW = dt.timedelta(hours=72)


def deciders(path: str) -> list[Any]:
    """The editors (``kepu.publish``) nearest above or at ``path``."""
    return _deciders(path, ("kepu.publish",))


def parent_editors(path: str) -> list[Any]:
    """The editors of the parent organisation (the root's own when there is none above)."""
    above = ancestor_paths(path)[1:]
    return deciders(above[0]) if above else deciders(path)


def _open() -> Any:
    return (Item.objects.filter(status=ItemStatus.PUBLISHED, deleted_at__isnull=True, incident__isnull=False,
                                after_review_due_at__isnull=False, after_reviewed_at__isnull=True,
                                after_review_escalated_at__isnull=True))


def _active_round(item: Item) -> Review | None:
    review: Review | None = (Review.objects.select_for_update()
                             .filter(item=item, kind=RoundKind.AFTER, status=RoundStatus.ACTIVE).first())
    return review


def _remind_one(pk: int, now: dt.datetime) -> int:
    with transaction.atomic():
        item = _open().select_for_update(of=("self",)).select_related("incident").filter(pk=pk).first()
        if item is None or item.incident is None or item.after_review_due_at is None:
            return 0
        review = _active_round(item)
        lead = dt.timedelta(hours=item.incident.after_review_hours) / REMIND_SHARE
        if review is None or review.reminded_at is not None or item.after_review_due_at - lead > now:
            return 0
        due = timezone.localtime(item.after_review_due_at).strftime("%Y-%m-%d %H:%M")
        sent = 0
        for task in review.tasks.filter(decision=TaskDecision.PENDING).select_related("expert__user"):
            sent += notify([task.expert.user], key=f"kepu-review-due-after-{task.pk}",
                           title=_("应急科普事后审核即将到期：%(t)s") % {"t": item.title},
                           body=_("请在 %(due)s 前完成事后审核。") % {"due": due},
                           url=reverse("kepu:task", args=[task.pk]))
        if not review.tasks.filter(decision=TaskDecision.PENDING).exists():
            sent += notify(deciders(item.org_path), key=f"kepu-after-review-remind-{item.pk}",
                           title=_("应急科普作品事后审核即将到期：%(t)s") % {"t": item.title},
                           body=_("请在 %(due)s 前指派专家完成事后审核。") % {"due": due},
                           url=reverse("kepu:item-manage", args=[item.pk]))
        review.reminded_at = now
        review.save(update_fields=["reminded_at"])
        return 1


def _escalate_one(pk: int, now: dt.datetime) -> int:
    with transaction.atomic():
        item = (_open().select_for_update(of=("self",)).select_related("incident", "incident__approver")
                .filter(pk=pk, after_review_due_at__lt=now).first())
        if item is None or item.incident is None:
            return 0
        item.after_review_escalated_at = now
        item.save(update_fields=["after_review_escalated_at", "updated_at"])
        review = _active_round(item)
        if review is not None:
            review.escalated_at = now
            review.save(update_fields=["escalated_at"])
        ItemEvent.objects.create(item=item, action=ItemEventAction.ESCALATED, actor=None, org_path=item.org_path,
                                 version=item.version, comment=_("事后审核逾期未完成，已上报督办。"))
        recipients = [item.incident.approver, *parent_editors(item.org_path)]
        log_action(SYSTEM, "kepu.item.after_review_escalated", item, scope_path=item.org_path,
                   extra={"due": item.after_review_due_at.isoformat() if item.after_review_due_at else "",
                          "recipients": sorted({u.pk for u in recipients})})
        due = timezone.localtime(item.after_review_due_at).strftime("%Y-%m-%d %H:%M") if item.after_review_due_at else ""
        last = (Review.objects.filter(item=item, kind=RoundKind.AFTER).order_by("-opened_at", "-pk")
                .values_list("status", flat=True).first())
        if last == RoundStatus.RETURNED:
            body = _("专家事后审核发现问题，作品至今仍在发布中（期限 %(due)s）。请尽快更正或撤稿。") % {"due": due}
        else:
            body = _("该作品应急快速发布后须在 %(due)s 前完成事后审核，至今未完成。请督促专家审核，必要时撤稿。") % {
                "due": due}
        notify(recipients, key=f"kepu-after-review-{item.pk}",
               title=_("督办：应急科普作品事后审核逾期：%(t)s") % {"t": item.title}, body=body,
               url=reverse("kepu:item-manage", args=[item.pk]))
        return 1


def after_review_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind and escalate every open after-review whose time has come; each item in its own transaction,
    re-checked under a row lock, so concurrent sweeps escalate an item once."""
    now = now or timezone.now()
    soon = list(_open().filter(after_review_due_at__gte=now, after_review_due_at__lte=now + MAX_WINDOW)
                .values_list("pk", flat=True))
    late = list(_open().filter(after_review_due_at__lt=now).values_list("pk", flat=True))
    reminded = sum(_remind_one(pk, now) for pk in soon)
    escalated = sum(_escalate_one(pk, now) for pk in late)
    return {"reminded": reminded, "escalated": escalated}


def schedule_sweeps(now: dt.datetime, due: dt.datetime, hours: int) -> None:
    """After commit, queue a sweep at the reminder time and one just after the deadline (a backend that cannot
    defer queues nothing: the daily job is the safety net)."""
    from kexie.kepu.emergency.tasks import after_review_sweep_task

    def enqueue() -> None:
        backend = after_review_sweep_task.get_backend()
        if not backend.supports_defer:
            return
        remind_at = due - dt.timedelta(hours=hours) / REMIND_SHARE
        for when in (remind_at, due + dt.timedelta(seconds=1)):
            if when > now:
                after_review_sweep_task.using(run_after=when).enqueue()

    transaction.on_commit(enqueue)
