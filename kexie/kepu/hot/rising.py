"""Rising terms: a term's count in the last N days against its own baseline, the mean per day of the 28 days
before, by a one-sided Poisson test (``scipy.stats.poisson.sf(k - 1, λ·N)``). Reported when p < 0.001, k ≥ 5 and
k ≥ 2 × expected — so a term searched as often as usual never is, however often that is. A term without a
baseline is tested as if it had occurred once in the 28 days (λ = 1/28), so one quiet newcomer is not a burst.
Each rising term says whether a published debunk answers it and in which regions it rises; a debunked claim
rising in a region is "resurfacing" (流言再起)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, Sum
from django.utils import timezone
from scipy.stats import poisson  # type: ignore[import-untyped]  # SciPy ships no stubs

from kexie.kepu.models import Debunk, TermDay

BASELINE_DAYS = 28
P_MAX = 0.001
MIN_COUNT = 5
MIN_RATIO = 2.0


@dataclass
class Rising:
    term: str
    count: int
    baseline: float  # expected count in the window from the baseline
    ratio: float
    p: float
    debunked: bool = False
    regions: list[str] = field(default_factory=list)
    region: str = ""  # set when the term rises in a region only (the figures are that region's)

    @property
    def resurfacing(self) -> bool:
        return self.debunked and bool(self.regions)

    def as_dict(self) -> dict[str, object]:
        return {"term": self.term, "count": self.count, "baseline": round(self.baseline, 2),
                "ratio": round(self.ratio, 2), "p": self.p, "debunked": self.debunked, "regions": self.regions,
                "resurfacing": self.resurfacing}


def burst(count: int, baseline_total: int, days: int) -> Rising | None:
    """The test for one series: ``count`` in the window of ``days`` days, ``baseline_total`` in the 28 before."""
    if count < MIN_COUNT:
        return None
    expected = baseline_total / BASELINE_DAYS * days
    mu = max(expected, days / BASELINE_DAYS)
    if count < MIN_RATIO * mu:
        return None
    p = float(poisson.sf(count - 1, mu))
    if p >= P_MAX:
        return None
    return Rising("", count, expected, count / mu, p)


def is_debunked(term: str) -> bool:
    """A published debunk answers the term: the debunks area's claim matcher when present, else the debunks'
    search index."""
    matcher: Callable[[str], object] | None
    try:
        from kexie.kepu.debunks.similar import match_claim as matcher
    except ImportError:
        matcher = None
    if matcher is not None:
        return bool(matcher(term))
    return Debunk.objects.for_public().filter(search_text__tokens=term).exists()


def rising(days: int = 7, now: dt.datetime | None = None, region: str | None = None,
           source: str | None = None) -> list[Rising]:
    """The terms rising in the last ``days`` days (in ``region`` when given), strongest first."""
    days = max(1, min(int(days), 28))
    today = timezone.localdate(now) if now else timezone.localdate()
    window = today - dt.timedelta(days=days - 1)
    qs = TermDay.objects.filter(day__gte=window - dt.timedelta(days=BASELINE_DAYS), day__lte=today)
    if source:
        qs = qs.filter(source=source)
    qs = qs.filter(region_code=region) if region else qs
    rows = (qs.values("term", "region_code")
            .annotate(k=Sum("count", filter=Q(day__gte=window), default=0),
                      b=Sum("count", filter=Q(day__lt=window), default=0))
            .filter(k__gte=MIN_COUNT).order_by())
    overall: dict[str, Rising] = {}
    regional: dict[str, list[tuple[str, Rising]]] = {}
    for row in rows:
        found = burst(row["k"], row["b"], days)
        if found is None:
            continue
        found.term = row["term"]
        if region or not row["region_code"]:
            overall[found.term] = found
        else:
            regional.setdefault(found.term, []).append((row["region_code"], found))
    for term, places in regional.items():
        places.sort(key=lambda rp: rp[1].p)
        entry = overall.get(term)
        if entry is None:
            code, entry = places[0]
            entry.region = code
            overall[term] = entry
        entry.regions = sorted(code for code, _r in places)
    if region:
        for entry in overall.values():
            entry.regions = [region]
    out = sorted(overall.values(), key=lambda r: (r.p, -r.ratio, r.term))
    for entry in out:
        entry.debunked = is_debunked(entry.term)
    return out
