"""Publication, scheduled publication, retraction, reopening and the deadline sweep of 科普审核 (decision 0050).
``item_published`` / ``item_retracted`` are sent once the transaction commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action
from kexie.core.services import SYSTEM, require
from kexie.kepu.models import (
    Item,
    ItemEventAction,
    ItemStatus,
    Review,
    ReviewTask,
    RoundKind,
    RoundStatus,
    Stage,
    TaskDecision,
)
from kexie.kepu.review.common import (
    CORRECTION_MAX,
    author_users,
    editors,
    event,
    expert_users,
    locked,
    manage_url,
    parent_path,
    task_url,
    text_required,
)
from kexie.kepu.signals import item_published, item_retracted
from kexie.notices.services import notify


def schedule(actor: Any, item: Item, publish_at: dt.datetime) -> None:
    """Record the publication time (the caller holds the row lock) and queue the publication for then."""
    item.publish_at = publish_at
    item.save(update_fields=["publish_at", "updated_at"])
    event(item, actor, ItemEventAction.SCHEDULED, timezone.localtime(publish_at).strftime("%Y-%m-%d %H:%M"))
    pk = item.pk

    def enqueue() -> None:
        from kexie.kepu.review.tasks import publish_due_task

        if publish_due_task.get_backend().supports_defer:
            publish_due_task.using(run_after=publish_at).enqueue(pk)
        # A backend that cannot defer (tests, immediate): the sweep publishes it when due.

    transaction.on_commit(enqueue)


def publish_locked(actor: Any, item: Item) -> Item:
    """Publish an approved item the caller has locked and checked."""
    before = item.status
    Item.WORKFLOW.apply(item, "publish")
    item.published_at = timezone.now()
    item.retracted_at = None
    item.correction = ""
    item.save(update_fields=["status", "published_at", "retracted_at", "correction", "updated_at"])
    ev = event(item, actor, ItemEventAction.PUBLISHED)
    log_action(actor, "kepu.item.published", item, scope_path=item.org_path, before={"status": before},
               after={"status": item.status, "published_at": item.published_at.isoformat()})
    notify(author_users(item), key=f"kepu-published-{item.pk}-{ev.pk}",
           title=_("科普作品已发布：%(t)s") % {"t": item.title}, url=manage_url(item))
    transaction.on_commit(lambda: item_published.send(sender=Item, item=item))
    return item


def publish(actor: Any, item: Item) -> Item:
    with transaction.atomic():
        item = locked(item)
        require(actor, "kepu.publish", item.org_path)
        return publish_locked(actor, item)


def retract(actor: Any, item: Item, *, correction: str) -> Item:
    """撤稿: gone from every public page, feed, search and screen; the correction note is what readers see."""
    correction = text_required(correction, _("撤稿必须填写更正说明。"), CORRECTION_MAX)
    with transaction.atomic():
        item = locked(item)
        require(actor, "kepu.publish", item.org_path)
        before = item.status
        Item.WORKFLOW.apply(item, "retract")
        item.retracted_at = timezone.now()
        item.correction = correction
        item.publish_at = None
        item.save(update_fields=["status", "retracted_at", "correction", "publish_at", "updated_at"])
        ev = event(item, actor, ItemEventAction.RETRACTED, correction)
        log_action(actor, "kepu.item.retracted", item, scope_path=item.org_path, before={"status": before},
                   after={"status": item.status, "correction": correction})
        tasks = ReviewTask.objects.filter(item=item).exclude(decision=TaskDecision.RELEASED) \
            .select_related("expert__user")
        notify([*author_users(item), *expert_users(tasks)], key=f"kepu-retracted-{item.pk}-{ev.pk}",
               title=_("科普作品撤稿：%(t)s") % {"t": item.title},
               body=_("更正说明：%(c)s") % {"c": correction}, url=manage_url(item))
        transaction.on_commit(lambda: item_retracted.send(sender=Item, item=item))
    return item


def reopen(actor: Any, item: Item) -> Item:
    """A retracted item back to draft, to be revised and submitted again."""
    with transaction.atomic():
        item = locked(item)
        require(actor, "kepu.change", item.org_path)
        before = item.status
        Item.WORKFLOW.apply(item, "reopen")
        item.save(update_fields=["status", "updated_at"])
        event(item, actor, ItemEventAction.REOPENED)
        log_action(actor, "kepu.item.reopened", item, scope_path=item.org_path, before={"status": before},
                   after={"status": item.status})
    return item


def publish_due(pk: int, now: dt.datetime | None = None) -> bool:
    """Publish one scheduled item if it is still approved and its time has come (the task and the sweep)."""
    now = now or timezone.now()
    with transaction.atomic():
        item = Item.objects.select_for_update().filter(pk=pk, deleted_at__isnull=True).first()
        if item is None or item.status != ItemStatus.APPROVED or item.publish_at is None or item.publish_at > now:
            return False
        publish_locked(SYSTEM, item)
    return True


def _remind(now: dt.datetime) -> int:
    sent = 0
    soon = ReviewTask.objects.filter(decision=TaskDecision.PENDING, reminded_at__isnull=True,
                                     review__status=RoundStatus.ACTIVE, review__kind=RoundKind.NORMAL,
                                     review__stage=Stage.SCIENCE, due_at__gt=now,
                                     due_at__lte=now + dt.timedelta(days=1)).select_related("expert__user", "item")
    for task in soon:
        with transaction.atomic():
            fresh = ReviewTask.objects.select_for_update().filter(pk=task.pk, reminded_at__isnull=True).first()
            if fresh is None:
                continue
            fresh.reminded_at = now
            fresh.save(update_fields=["reminded_at"])
            sent += notify(expert_users([task]), key=f"kepu-review-due-{task.pk}",
                           title=_("科普审核即将到期：%(t)s") % {"t": task.item.title},
                           body=_("请在 %(d)s 前完成科学性审核。") % {
                               "d": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") if task.due_at else ""},
                           url=task_url(task))
    return sent


def _escalate(now: dt.datetime) -> int:
    count = 0
    late = Review.objects.filter(status=RoundStatus.ACTIVE, kind=RoundKind.NORMAL, due_at__lt=now,
                                 escalated_at__isnull=True).select_related("item")
    for review in late:
        with transaction.atomic():
            fresh = Review.objects.select_for_update().filter(pk=review.pk, escalated_at__isnull=True,
                                                              status=RoundStatus.ACTIVE).first()
            if fresh is None:
                continue
            fresh.escalated_at = now
            fresh.save(update_fields=["escalated_at"])
            item = review.item
            stage = fresh.get_stage_display()
            ReviewTask.objects.filter(review=fresh, decision=TaskDecision.PENDING).update(escalated_at=now)
            event(item, SYSTEM, ItemEventAction.ESCALATED, str(stage))
            log_action(SYSTEM, "kepu.review.escalated", fresh, scope_path=fresh.org_path,
                       after={"stage": fresh.stage, "due_at": fresh.due_at.isoformat() if fresh.due_at else None})
            notify(editors(parent_path(item.org_path)), key=f"kepu-overdue-{fresh.pk}-{fresh.stage}",
                   title=_("科普审核逾期督办：%(t)s") % {"t": item.title},
                   body=_("%(s)s已超过期限仍未完成。") % {"s": stage}, url=manage_url(item))
            count += 1
    return count


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Reminders a day before a task's deadline, escalation to the parent organisation's editors after a stage's
    deadline, and publication of scheduled items that are due (the safety net of the queued publication)."""
    now = now or timezone.now()
    reminded = _remind(now)
    escalated = _escalate(now)
    due_ids = list(Item.objects.filter(status=ItemStatus.APPROVED, publish_at__lte=now, deleted_at__isnull=True)
                   .values_list("pk", flat=True))
    published = sum(1 for pk in due_ids if publish_due(pk, now))
    return {"reminded": reminded, "escalated": escalated, "published": published}
