"""Delivery follows the item lifecycle (``kexie.kepu.signals``, sent after commit): publishing or retracting
bumps the public cache generation (pages and feeds read the database again at once) and publishing queues the
precise push."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from kexie.kepu.public import cache
from kexie.kepu.signals import item_published, item_retracted

log = logging.getLogger(__name__)


@receiver(item_published, dispatch_uid="kepu-public-published")
def on_published(sender: Any, item: Any, **kwargs: Any) -> None:
    cache.bump()
    from kexie.kepu.public.tasks import push_item_task

    try:
        push_item_task.enqueue(item.pk)
    except Exception:  # a queue that is down must not undo or fail a publication already committed
        log.exception("kepu push of item %s not queued", item.pk)


@receiver(item_retracted, dispatch_uid="kepu-public-retracted")
def on_retracted(sender: Any, item: Any, **kwargs: Any) -> None:
    cache.bump()
