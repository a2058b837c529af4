"""What the review services share: the locked re-read of an item, history rows, deadlines, recipients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.services import is_system
from kexie.kepu.models import Item, ItemEvent, ReviewTask
from kexie.orgs.models import Organisation
from kexie.signup.recipients import deciders

REASON_MAX = 4000
CORRECTION_MAX = 2000


def science_days() -> int:
    return int(getattr(settings, "KEXIE_KEPU_SCIENCE_DAYS", 5))


def editorial_days() -> int:
    return int(getattr(settings, "KEXIE_KEPU_EDITORIAL_DAYS", 2))


def due(days: int, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(days=days)


def actor_user(actor: Any) -> Any:
    """The user row an actor stands for (None for SYSTEM)."""
    return None if is_system(actor) or not getattr(actor, "pk", None) else actor


def locked(item: Item | int) -> Item:
    """The item re-read under a row lock (deleted items are refused)."""
    pk = item if isinstance(item, int) else item.pk
    found: Item | None = Item.objects.select_for_update().filter(pk=pk, deleted_at__isnull=True).first()
    if found is None:
        raise ValidationError(_("作品不存在或已删除。"))
    return found


def event(item: Item, actor: Any, action: str, comment: str = "") -> ItemEvent:
    return ItemEvent.objects.create(item=item, actor=actor_user(actor), org_path=item.org_path, action=action,
                                    version=item.version, comment=comment[:REASON_MAX])


def text_required(value: str, message: str, limit: int = REASON_MAX) -> str:
    text = (value or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError(message)
    if len(text) > limit:
        raise ValidationError(_("内容过长：最多 %(n)d 个字。") % {"n": limit})
    return text


def editors(path: str) -> list[Any]:
    """The nearest staff holding kepu.publish over the organisation at ``path`` (the organisation, else upward)."""
    return deciders(path, ("kepu.publish",))


def parent_path(path: str) -> str:
    step = Organisation.steplen
    return path[:-step] if len(path) > step else path


def expert_users(tasks: Iterable[ReviewTask] | QuerySet[ReviewTask]) -> list[Any]:
    users = []
    for t in tasks:
        user = getattr(t.expert, "user", None)
        if user is not None:
            users.append(user)
    return users


def author_users(item: Item) -> list[Any]:
    return [item.author] if item.author_id and item.author is not None else []


def manage_url(item: Item) -> str:
    return reverse("kepu:item-manage", args=[item.pk])


def task_url(task: ReviewTask) -> str:
    return reverse("kepu:task", args=[task.pk])


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***: reviewers are named to staff by surname only."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
