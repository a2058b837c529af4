"""应急科普 writes: the fast track and the after-review (事后审核).

``fast_publish``: the incident's named approver publishes a draft (or returned) emergency item at once; an
after-review round (``Review`` kind ``after``) opens with its experts' tasks and a deadline of the incident's hours.
The experts decide on the review area's task page (``kepu:task``, ``kexie.kepu.review.services.decide``, which
handles rounds of kind ``after``: all approve → ``after_reviewed_at``; a return → the round closes, the item stays
published and its author and the incident's approver are told, who correct or retract it; decision 0051).
``after_review_sweep`` (kexie.kepu.emergency.sweep) reminds before the deadline and escalates after it.
Incidents: kexie.kepu.emergency.incidents (re-exported here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action
from kexie.core.services import SYSTEM, require
from kexie.kepu.emergency.incidents import (
    approver_choices,
    close_incident,
    create_incident,
    edit_incident,
    may_approve,
)
from kexie.kepu.emergency.sweep import after_review_sweep, deciders, schedule_sweeps
from kexie.kepu.models import (
    IncidentStatus,
    Item,
    ItemEvent,
    ItemEventAction,
    Review,
    ReviewTask,
    RoundKind,
    RoundStatus,
    Stage,
)
from kexie.kepu.review.experts import pick_reviewers
from kexie.kepu.signals import item_published
from kexie.notices.services import notify
from kexie.people.models import Person

__all__ = ["after_review_sweep", "approver_choices", "close_incident", "create_incident", "edit_incident",
           "fast_publish", "may_approve"]


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _pick(item: Item, count: int) -> list[tuple[Person, float]]:
    """The after-review experts (the review area's picker: the 科普 expert libraries, conflicts, affinity)."""
    return list(pick_reviewers(item, count))


def _event(item: Item, action: str, actor: Any, comment: str = "") -> None:
    ItemEvent.objects.create(item=item, action=action, actor=_user(actor), org_path=item.org_path,
                             version=item.version, comment=comment[:4000])


def approver_refusal(actor: Any, item: Item) -> str:
    """Why ``actor`` is not the one who may fast-publish ``item`` ("" when they are)."""
    incident = item.incident
    if incident is None:
        return _("只有应急事件的作品可以走应急快速发布。")
    if actor is not SYSTEM and getattr(actor, "pk", None) != incident.approver_id:
        return _("只有本事件指定的快速发布审批人（%(name)s）可以应急快速发布。") % {"name": incident.approver}
    return ""


def state_refusal(item: Item) -> str:
    """Why ``item`` cannot be fast-published in its current state ("" when it can)."""
    if item.incident is not None and item.incident.status != IncidentStatus.ACTIVE:
        return _("应急事件已结束，不能再快速发布。")
    if item.deleted_at is not None:
        return _("作品已删除。")
    if not Item.WORKFLOW.allows(item, "fast_publish"):
        return str(Item.WORKFLOW["fast_publish"].refusal)
    return ""


@transaction.atomic
def fast_publish(actor: Any, item: Item | int) -> Item:
    """应急快速发布: published now; the after-review round opens with its experts and the incident's deadline."""
    pk = item if isinstance(item, int) else item.pk
    item = Item.objects.select_for_update(of=("self",)).select_related("incident", "incident__approver").get(pk=pk)
    if actor is not SYSTEM and not may_approve(actor, item.org_path):
        require(actor, "kepu.emergency", item.org_path)  # refuses: no approver action over the item's place
    refusal = approver_refusal(actor, item)
    if refusal:
        raise PermissionDenied(refusal)
    refusal = state_refusal(item)
    if refusal:
        raise ValidationError(refusal)
    if Review.objects.filter(item=item, status=RoundStatus.ACTIVE).exists():
        raise ValidationError(_("作品仍在审核中，请先撤回审核再快速发布。"))
    incident = item.incident
    assert incident is not None
    now = timezone.now()
    due = now + dt.timedelta(hours=incident.after_review_hours)
    old, _new = Item.WORKFLOW.apply(item, "fast_publish")
    item.published_at, item.publish_at = now, None
    item.after_review_due_at, item.after_reviewed_at, item.after_review_escalated_at = due, None, None
    item.retracted_at, item.correction = None, ""
    item.save(update_fields=["status", "published_at", "publish_at", "after_review_due_at", "after_reviewed_at",
                             "after_review_escalated_at", "retracted_at", "correction", "updated_at"])
    review = Review.objects.create(item=item, org_path=item.org_path, kind=RoundKind.AFTER, version=item.version,
                                   stage=Stage.SCIENCE, status=RoundStatus.ACTIVE, submitted_by=_user(actor),
                                   due_at=due)
    picks = _pick(item, 2 if item.health else 1)
    tasks = [ReviewTask.objects.create(review=review, item=item, org_path=item.org_path, expert=person,
                                       affinity=score, due_at=due) for person, score in picks]
    _event(item, ItemEventAction.FAST_PUBLISHED, actor, incident.title)
    log_action(actor, "kepu.item.fast_published", item, scope_path=item.org_path,
               extra={"from": old, "to": item.status, "incident": incident.pk, "after_review_due_at": due.isoformat(),
                      "experts": [t.expert_id for t in tasks]})
    for task in tasks:
        notify([task.expert.user], key=f"kepu-review-task-after-{task.pk}",
               title=_("请对应急科普作品进行事后审核：%(t)s") % {"t": item.title},
               body=_("该作品已应急快速发布，请在 %(due)s 前完成事后审核。") % {"due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
               url=reverse("kepu:task", args=[task.pk]))
    if not tasks:
        notify(deciders(item.org_path), key=f"kepu-after-review-assign-{review.pk}",
               title=_("应急科普作品待指派事后审核专家：%(t)s") % {"t": item.title},
               body=_("科普专家库中没有可用的专家，请尽快指派专家完成事后审核。"),
               url=reverse("kepu:item-manage", args=[item.pk]))
    if item.author_id and item.author_id != getattr(actor, "pk", None):
        notify([item.author], key=f"kepu-published-{item.pk}-fast",
               title=_("您撰写的应急科普作品已发布：%(t)s") % {"t": item.title},
               url=reverse("kepu:item", args=[item.pk]))
    published = item
    transaction.on_commit(lambda: item_published.send(sender=Item, item=published))
    schedule_sweeps(now, due, incident.after_review_hours)
    return item


def after_round(item: Item) -> Review | None:
    """The item's latest after-review round (None before a fast publication)."""
    review: Review | None = (Review.objects.filter(item=item, kind=RoundKind.AFTER).order_by("-opened_at", "-pk")
                             .first())
    return review


def due_state(item: Item, now: dt.datetime | None = None) -> str:
    """"" (no after-review), "done", "escalated", "overdue" or "due" — the panel's and lists' badge."""
    if item.after_review_due_at is None:
        return ""
    if item.after_reviewed_at is not None:
        return "done"
    if item.after_review_escalated_at is not None:
        return "escalated"
    return "overdue" if item.after_review_due_at < (now or timezone.now()) else "due"


__all__ += ["after_round", "approver_refusal", "due_state", "state_refusal"]
