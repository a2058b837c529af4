"""流言榜: a month's published debunks ranked by their reads plus the public searches that month that repeat their
claim (SearchLog queries matched by the paraphrase finder, each distinct query once with its count). Computed from
the month's debunks (few) and its most frequent queries (at most QUERIES distinct ones), cached a few minutes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from kexie.kepu.debunks.similar import MIN_SCORE, normalise, score
from kexie.kepu.models import Debunk, SearchLog

TOP = 10
QUERIES = 500  # distinct search phrases of the month looked at (the most frequent)
CACHE_SECONDS = 600


@dataclass(frozen=True)
class Entry:
    rank: int
    debunk_id: int
    claim: str
    verdict: str
    verdict_label: str
    views: int
    searches: int

    @property
    def heat(self) -> int:
        return self.views + self.searches


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime(month.year, month.month, 1))
    nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, timezone.make_aware(dt.datetime(nxt.year, nxt.month, 1))


def search_counts(debunks: list[Debunk], start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    """Searches of the month attributed to the debunk whose claim they repeat best (above MIN_SCORE)."""
    claims = [(d.pk, normalise(d.claim)) for d in debunks]
    counts: dict[int, int] = {}
    rows = (SearchLog.objects.filter(at__gte=start, at__lt=end).values("q").annotate(n=Count("id"))
            .order_by("-n", "q")[:QUERIES])
    for row in rows:
        tokens = normalise(row["q"])
        if not tokens:
            continue
        best = max(((score(tokens, c), pk) for pk, c in claims), default=(0.0, 0))
        if best[0] >= MIN_SCORE:
            counts[best[1]] = counts.get(best[1], 0) + int(row["n"])
    return counts


def ranking(month: dt.date) -> list[Entry]:
    key = f"kepu:rumours:{month:%Y-%m}"
    found = cache.get(key)
    if isinstance(found, list):
        return found
    start, end = month_bounds(month)
    debunks = list(Debunk.objects.for_public().filter(published_at__gte=start, published_at__lt=end)
                   .only("id", "claim", "verdict", "views").order_by("id"))
    counts = search_counts(debunks, start, end) if debunks else {}
    ordered = sorted(debunks, key=lambda d: (-(d.views + counts.get(d.pk, 0)), -counts.get(d.pk, 0), d.pk))
    entries = [Entry(i + 1, d.pk, d.claim, d.verdict, d.get_verdict_display(), d.views, counts.get(d.pk, 0))
               for i, d in enumerate(ordered[:TOP])]
    cache.set(key, entries, CACHE_SECONDS)
    return entries
