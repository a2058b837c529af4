"""Moving a seeded item's history into the past: the services stamp every step "now"; a demo item published
``when`` gets its steps spread over the days before (written, submitted, reviewed, approved, published), its
versions, review round and tasks dated to match."""

from __future__ import annotations

import datetime as dt
import random

from kexie.kepu.models import Item, ItemEvent, ItemEventAction, ItemVersion, Review, ReviewTask

A = ItemEventAction


def backdate(item_pk: int, when: dt.datetime, rng: random.Random) -> None:
    """The item published at ``when``: each earlier event some hours before the next one."""
    events = list(ItemEvent.objects.filter(item_id=item_pk).order_by("id"))
    if not events:
        return
    times: list[dt.datetime] = []
    at = when
    for _ev in events:
        times.append(at)
        at = at - dt.timedelta(hours=rng.randint(3, 30), minutes=rng.randint(0, 59))
    times.reverse()
    stamp: dict[str, dt.datetime] = {}
    for ev, t in zip(events, times, strict=True):
        ItemEvent.objects.filter(pk=ev.pk).update(at=t)
        stamp.setdefault(ev.action, t)
    created = times[0]
    submitted = stamp.get(A.SUBMITTED, created)
    passed = stamp.get(A.SCIENCE_PASSED, submitted)
    approved = stamp.get(A.APPROVED, when)
    ItemVersion.objects.filter(item_id=item_pk).update(created_at=created)
    Review.objects.filter(item_id=item_pk).update(opened_at=submitted, due_at=submitted + dt.timedelta(days=5),
                                                  closed_at=approved)
    ReviewTask.objects.filter(item_id=item_pk).update(assigned_at=submitted, due_at=submitted + dt.timedelta(days=5),
                                                      decided_at=passed)
    Item.objects.filter(pk=item_pk).update(created_at=created, updated_at=when, published_at=when)
