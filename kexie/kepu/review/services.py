"""科普知识审核 (decision 0050): submit → 科学性审核 by experts picked from the 科普 expert libraries (two for health
items) → 编辑审核 by a ``kepu.publish`` holder → approved, published at once or at a set time → retractable with a
public correction. One active round per item (the ``kepu_review_one_active`` constraint, the item's row lock).
A return always carries a reason, which reaches the author and the reviewers of the earlier steps.
Publication, retraction, reopening and the deadline sweep are in ``publication.py`` (re-exported here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action
from kexie.core.scope import user_can
from kexie.core.services import is_system, require
from kexie.kepu.models import (
    Item,
    ItemEventAction,
    ItemVersion,
    Review,
    ReviewTask,
    RoundKind,
    RoundStatus,
    Stage,
    TaskDecision,
)
from kexie.kepu.review import publication
from kexie.kepu.review.common import (
    author_users,
    due,
    editorial_days,
    editors,
    event,
    expert_users,
    locked,
    manage_url,
    science_days,
    task_url,
    text_required,
)
from kexie.kepu.review.experts import pick_reviewers
from kexie.kepu.review.publication import publish, reopen, retract, schedule, sweep
from kexie.notices.services import notify

__all__ = ["decide", "editorial_approve", "editorial_return", "publish", "reopen", "retract", "submit", "sweep",
           "withdraw"]

NO_EXPERT = _("科普专家库中没有可回避冲突的专家")


def active_review(item: Item) -> Review | None:
    found: Review | None = Review.objects.filter(item=item, status=RoundStatus.ACTIVE).first()
    return found


def _snapshot_version(actor: Any, item: Item) -> None:
    """The submitted text as a version row (the content services write one per edit; a first submit of an item
    that never had one gets it here, so reviewers always read a numbered version)."""
    if not ItemVersion.objects.filter(item=item, number=item.version).exists():
        ItemVersion.objects.create(item=item, number=item.version, title=item.title, summary=item.summary,
                                   body=item.body, note=_("提交审核"),
                                   created_by=None if is_system(actor) else actor)


def submit(actor: Any, item: Item) -> Review:
    """Open a review round: experts picked and told, the item in 科学性审核. Refused when no expert fits."""
    with transaction.atomic():
        item = locked(item)
        require(actor, "kepu.change", item.org_path)
        Item.WORKFLOW.check(item, "submit")
        count = 2 if item.health else 1
        picked = pick_reviewers(item, count)
        if len(picked) < count:
            if item.health and picked:
                raise ValidationError(_("%(r)s：医学健康类作品需要两位专家，目前只找到一位。") % {"r": NO_EXPERT})
            raise ValidationError(_("%(r)s，请联系管理单位补充科普专家后再提交。") % {"r": NO_EXPERT})
        _snapshot_version(actor, item)
        before = item.status
        Item.WORKFLOW.apply(item, "submit")
        item.publish_at = None
        item.save(update_fields=["status", "publish_at", "updated_at"])
        deadline = due(science_days())
        try:
            with transaction.atomic():
                review = Review.objects.create(item=item, org_path=item.org_path, kind=RoundKind.NORMAL,
                                               version=item.version, stage=Stage.SCIENCE, due_at=deadline,
                                               submitted_by=None if is_system(actor) else actor)
        except IntegrityError:
            raise ValidationError(_("该作品已有进行中的审核，不能重复提交。")) from None
        tasks = [ReviewTask.objects.create(review=review, item=item, org_path=item.org_path, expert=person,
                                           affinity=score, due_at=deadline) for person, score in picked]
        event(item, actor, ItemEventAction.SUBMITTED)
        event(item, actor, ItemEventAction.ASSIGNED, _("%(n)d 位专家") % {"n": len(tasks)})
        log_action(actor, "kepu.item.submitted", item, scope_path=item.org_path,
                   before={"status": before}, after={"status": item.status, "review": review.pk,
                                                     "experts": [t.expert_id for t in tasks]})
        for task in tasks:
            notify(expert_users([task]), key=f"kepu-review-task-{task.pk}",
                   title=_("科普审核任务：%(t)s") % {"t": item.title},
                   body=_("请在 %(d)s 前完成科学性审核。") % {"d": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
                   url=task_url(task))
    return review


def withdraw(actor: Any, item: Item) -> Item:
    """The author (or an editor) takes the item back out of review: the round closes, open tasks are released."""
    with transaction.atomic():
        item = locked(item)
        require(actor, "kepu.change", item.org_path)
        if not is_system(actor) and item.author_id != actor.pk and not user_can(actor, "kepu.publish",
                                                                                 item.org_path):
            raise PermissionDenied(_("只有撰稿人或编辑可以撤回审核。"))
        before = item.status
        Item.WORKFLOW.apply(item, "withdraw")
        item.save(update_fields=["status", "updated_at"])
        review = active_review(item)
        if review is not None:
            _close(review, RoundStatus.WITHDRAWN)
        event(item, actor, ItemEventAction.WITHDRAWN)
        log_action(actor, "kepu.item.withdrawn", item, scope_path=item.org_path, before={"status": before},
                   after={"status": item.status})
    return item


def _close(review: Review, status: str, reason: str = "") -> None:
    review.status = status
    review.closed_at = timezone.now()
    review.reason = reason
    if status == RoundStatus.APPROVED:
        review.stage = Stage.DONE
    review.save(update_fields=["status", "closed_at", "reason", "stage"])
    ReviewTask.objects.filter(review=review, decision=TaskDecision.PENDING).update(decision=TaskDecision.RELEASED)


def _return(actor: Any, item: Item, review: Review, reason: str, *, stage_label: str) -> None:
    """Close the round as returned; the reason goes to the author and every reviewer of the round's steps."""
    Item.WORKFLOW.apply(item, "return")
    item.save(update_fields=["status", "updated_at"])
    _close(review, RoundStatus.RETURNED, reason)
    ev = event(item, actor, ItemEventAction.RETURNED, reason)
    log_action(actor, "kepu.item.returned", item, scope_path=item.org_path, after={"review": review.pk,
                                                                                    "stage": stage_label,
                                                                                    "reason": reason})
    actor_pk = getattr(actor, "pk", None)
    reviewers = [u for u in expert_users(review.tasks.select_related("expert__user")
                                         .exclude(decision=TaskDecision.RELEASED)) if u.pk != actor_pk]
    recipients = [*author_users(item), *reviewers]
    notify(recipients, key=f"kepu-returned-{item.pk}-{ev.pk}",
           title=_("科普作品退回修改：%(t)s") % {"t": item.title},
           body=_("%(s)s退回，理由：%(r)s") % {"s": stage_label, "r": reason}, url=manage_url(item))


def decide(actor: Any, task: ReviewTask, *, approve: bool, reason: str = "") -> ReviewTask:
    """The expert's conclusion on their task. A return needs a reason and returns the item at once; when every
    expert of the round approved, the item moves on to 编辑审核 (or, for an after-review, the round is done)."""
    reason = (reason or "").replace("\x00", "").strip()
    if not approve:
        reason = text_required(reason, _("退回修改必须填写理由。"))
    elif len(reason) > 4000:
        raise ValidationError(_("内容过长：最多 %(n)d 个字。") % {"n": 4000})
    with transaction.atomic():
        task = (ReviewTask.objects.select_for_update(of=("self",)).select_related("review", "expert")
                .get(pk=task.pk))
        person = getattr(actor, "person", None) if not is_system(actor) else None
        if not is_system(actor) and (person is None or person.pk != task.expert_id):
            raise PermissionDenied(_("这不是您的审核任务。"))
        item = locked(task.item_id)
        review = Review.objects.select_for_update().get(pk=task.review_id)
        if task.decision != TaskDecision.PENDING or review.status != RoundStatus.ACTIVE \
                or review.stage != Stage.SCIENCE and review.kind == RoundKind.NORMAL:
            raise ValidationError(_("该审核任务已结束，不能再作结论。"))
        task.decision = TaskDecision.APPROVED if approve else TaskDecision.RETURNED
        task.reason = reason
        task.decided_at = timezone.now()
        task.save(update_fields=["decision", "reason", "decided_at"])
        log_action(actor, "kepu.task.decided", task, scope_path=task.org_path,
                   after={"decision": task.decision, "reason": reason})
        if review.kind == RoundKind.AFTER:
            _after_decided(actor, item, review, approve, reason)
        elif not approve:
            _return(actor, item, review, reason, stage_label=_("科学性审核"))
        elif not review.tasks.exclude(decision=TaskDecision.APPROVED).exists():
            _pass_science(actor, item, review)
    return task


def _pass_science(actor: Any, item: Item, review: Review) -> None:
    Item.WORKFLOW.apply(item, "pass_science")
    item.save(update_fields=["status", "updated_at"])
    review.stage = Stage.EDITORIAL
    review.due_at = due(editorial_days())
    review.reminded_at = review.escalated_at = None
    review.save(update_fields=["stage", "due_at", "reminded_at", "escalated_at"])
    event(item, actor, ItemEventAction.SCIENCE_PASSED)
    log_action(actor, "kepu.item.science_passed", item, scope_path=item.org_path, after={"review": review.pk})
    notify(editors(item.org_path), key=f"kepu-editorial-{item.pk}-{review.pk}",
           title=_("科普作品待编辑审核：%(t)s") % {"t": item.title},
           body=_("作品已通过科学性审核，请在期限内完成编辑审核。"), url=manage_url(item))


def _after_decided(actor: Any, item: Item, review: Review, approve: bool, reason: str) -> None:
    """An emergency item's after-review (事后审核): the item stays published; a return tells the author and the
    incident's approver, who may retract it; all approved closes the round."""
    if not approve:
        _close(review, RoundStatus.RETURNED, reason)
        ev = event(item, actor, ItemEventAction.RETURNED, reason)
        approver = getattr(item.incident, "approver", None) if item.incident_id else None
        notify([*author_users(item), approver], key=f"kepu-returned-{item.pk}-{ev.pk}",
               title=_("应急科普事后审核退回：%(t)s") % {"t": item.title},
               body=_("事后审核退回，理由：%(r)s") % {"r": reason}, url=manage_url(item))
    elif not review.tasks.exclude(decision=TaskDecision.APPROVED).exists():
        _close(review, RoundStatus.APPROVED)
        item.after_reviewed_at = timezone.now()
        item.save(update_fields=["after_reviewed_at", "updated_at"])
        event(item, actor, ItemEventAction.AFTER_REVIEWED)


def editorial_approve(actor: Any, item: Item, *, publish_at: dt.datetime | None = None) -> Item:
    """The editor approves: published now, or at ``publish_at`` (a future time; the task and the sweep)."""
    with transaction.atomic():
        item = locked(item)
        require(actor, "kepu.publish", item.org_path)
        Item.WORKFLOW.apply(item, "approve")
        item.save(update_fields=["status", "updated_at"])
        review = active_review(item)
        if review is not None:
            _close(review, RoundStatus.APPROVED)
        event(item, actor, ItemEventAction.APPROVED)
        log_action(actor, "kepu.item.approved", item, scope_path=item.org_path,
                   after={"publish_at": publish_at.isoformat() if publish_at else None})
        if publish_at is not None and publish_at > timezone.now():
            schedule(actor, item, publish_at)
        else:
            publication.publish_locked(actor, item)
    return item


def editorial_return(actor: Any, item: Item, *, reason: str) -> Item:
    """The editor returns the item with a reason (to the author and the science reviewers)."""
    reason = text_required(reason, _("退回修改必须填写理由。"))
    with transaction.atomic():
        item = locked(item)
        require(actor, "kepu.publish", item.org_path)
        Item.WORKFLOW.check(item, "return")
        if item.status != "editorial":
            raise ValidationError(_("作品不在编辑审核中。"))
        review = active_review(item)
        if review is None:
            raise ValidationError(_("作品没有进行中的审核。"))
        _return(actor, item, review, reason, stage_label=_("编辑审核"))
    return item
