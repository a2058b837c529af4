"""数字科普 delivery: public pages and feeds read ``Item.objects.for_public()`` only (published, unretracted, alive;
tests/test_kepu_public.py checks drafts, approved, retracted and deleted items are absent from each), so they hold
no organisation's private records; 我的科普 and 订阅 concern the signed-in reader only."""

from __future__ import annotations

TABLE = {
    "kepu:home": ("public", None),
    "kepu:item": ("public", None),  # for_public(); a never-published item is 404, a retracted one 410
    "kepu:search": ("public", None),
    "kepu:feed-rss": ("public", None),
    "kepu:feed-json": ("public", None),
    "kepu:topic": ("public", None),
    "kepu:audience": ("public", None),
    "kepu:mine": ("own", None),
    "kepu:subscriptions": ("own", None),
}


def records(province):
    return {}
