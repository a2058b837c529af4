"""科普审核 on the to-do desk (工作台, decision 0041): the expert's pending scientific reviews, the editorial queue
of the items in the editor's scope, and the author's items returned for changes. One aggregate query a line."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kexie.core.registry import Todo, summarise
from kexie.core.scope import scope_paths
from kexie.kepu.models import (
    Item,
    ItemStatus,
    Review,
    ReviewTask,
    RoundKind,
    RoundStatus,
    Stage,
    TaskDecision,
)


def todos(user: Any) -> list[Todo]:
    lines: list[Todo] = []
    tasks = summarise(ReviewTask.objects.filter(expert__user=user, decision=TaskDecision.PENDING,
                                                review__status=RoundStatus.ACTIVE), deadline="due_at")
    if tasks.count:
        url = reverse("kepu:task", args=[tasks.single]) if tasks.single else reverse("kepu:reviews")
        lines.append(Todo(_("待完成的科普科学性审核"), tasks.count, url, deadline=tasks.deadline,
                          overdue=tasks.overdue, order=55, note=_("审核期限")))
    if scope_paths(user, "kepu.publish") != []:
        queue = summarise(Review.objects.for_user(user, "kepu.publish").filter(
            status=RoundStatus.ACTIVE, kind=RoundKind.NORMAL, stage=Stage.EDITORIAL), deadline="due_at", one="item")
        if queue.count:
            url = (reverse("kepu:item-manage", args=[queue.single]) if queue.single
                   else reverse("kepu:reviews") + "?tab=editorial")
            lines.append(Todo(_("待编辑审核的科普作品"), queue.count, url, deadline=queue.deadline,
                              overdue=queue.overdue, order=56, note=_("编辑审核期限")))
    returned = summarise(Item.objects.alive().filter(author=user, status=ItemStatus.RETURNED))
    if returned.count:
        url = reverse("kepu:item-manage", args=[returned.single]) if returned.single else reverse("kepu:manage")
        lines.append(Todo(_("退回修改的科普作品"), returned.count, url, order=57))
    return lines
