"""Precise push (精准推送): when an item is published, every user subscribed to one of its topics, audiences or
regions is told once (site notice, key ``kepu-new-<item>``; e-mail only for those who chose it). A subscribed
region matches when the item has no region, or the item's region is it or lies below it. Runs in the background
(``tasks.push_item_task``), in batches of ``BATCH`` users, so publishing never waits for a large audience."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kexie.accounts.models import User
from kexie.kepu.models import Item, Subscription
from kexie.kepu.public.queries import REGION_DEPTH
from kexie.notices.services import notify
from kexie.orgs.models import Region

BATCH = 500


def _item_region_chains(item: Item) -> set[int] | None:
    """The ids of the item's regions and all their ancestors; ``None`` when the item has no region (for all)."""
    regions = list(item.regions.all())
    if not regions:
        return None
    ids: set[int] = set()
    frontier = {r.pk for r in regions}
    for _level in range(REGION_DEPTH):
        if not frontier:
            break
        ids |= frontier
        frontier = set(Region.objects.filter(pk__in=frontier, parent__isnull=False)
                       .values_list("parent_id", flat=True)) - ids
    return ids


def subscriber_ids(item: Item) -> list[int]:
    """The ids of the active users to tell about ``item`` (sorted; its author left out)."""
    q = Q(topic__in=item.topics.all()) | Q(audience__in=item.audiences.all())
    chains = _item_region_chains(item)
    q |= Q(region__isnull=False) if chains is None else Q(region_id__in=chains)
    ids = set(Subscription.objects.filter(q, user__is_active=True).values_list("user_id", flat=True))
    if item.author_id is not None:
        ids.discard(item.author_id)
    return sorted(ids)


def batches(ids: list[int], size: int = BATCH) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def push_item(item_id: int) -> int:
    """Tell the subscribers of a published item (once each: the notice key); how many notices were created.
    Nothing for an item no longer public (retracted or deleted before the task ran)."""
    item = Item.objects.for_public().filter(pk=item_id).first()
    if item is None:
        return 0
    url = reverse("kepu:item", args=[item.pk])
    title = _("新科普：%(title)s") % {"title": item.title}
    body = item.summary or _("您订阅的专题、人群或地区有新的科普作品发布。")
    sent = 0
    for chunk in batches(subscriber_ids(item)):
        users = list(User.objects.filter(pk__in=chunk, is_active=True))
        sent += notify(users, title=title, body=body, url=url, key=f"kepu-new-{item.pk}")
    return sent
