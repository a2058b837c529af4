"""The personal feed (我的科普): published items matching the reader's subscriptions — a subscribed topic or
audience, or a subscribed region (an item for everyone, or aimed at that region or above it, as the push) — and
the items aimed at the region of the reader's own organisation (explicitly: there an item for everyone does not
count, or every reader with a profile would get every item)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from kexie.kepu.models import Item, Subscription
from kexie.kepu.public import queries, services

LIMIT = 500


def feed_ids(user: Any) -> list[int]:
    """The ids of the reader's items, newest first (at most ``LIMIT``)."""
    subs = list(Subscription.objects.filter(user=user).select_related("region"))
    q = Q(pk__in=[])
    topics = [s.topic_id for s in subs if s.topic_id]
    audiences = [s.audience_id for s in subs if s.audience_id]
    if topics:
        q |= Q(Exists(Item.topics.through.objects.filter(item=OuterRef("pk"), topic_id__in=topics)))
    if audiences:
        q |= Q(Exists(Item.audiences.through.objects.filter(item=OuterRef("pk"), audience_id__in=audiences)))
    for s in subs:
        if s.region is not None and (chain := queries.region_chain(s.region.code)):
            q |= queries.region_q(chain)
    own = services.reader_region(user)
    if own is not None and (chain := queries.region_chain(own.code)):
        q |= Q(Exists(Item.regions.through.objects.filter(item=OuterRef("pk"), region_id__in=chain)))
    if not (topics or audiences or any(s.region_id for s in subs) or own is not None):
        return []
    return list(queries.public_items().filter(q).values_list("pk", flat=True)[:LIMIT])
