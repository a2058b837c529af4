"""Station figures: the daily status refresh from the agreement dates (``Station.WORKFLOW`` expire / reactivate)
and ``station_metrics(paths, year)``, the yearly figures per organisation subtree that the reports registry reads."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from kexie.core.audit import log_action
from kexie.core.scope import minimal_prefixes, prefix_q
from kexie.core.services import SYSTEM
from kexie.innovation.models import (
    Station,
    StationStatus,
    StationYear,
)


# ---- the daily job -----------------------------------------------------------------------------------
def refresh_station_statuses(today: dt.date | None = None) -> dict[str, int]:
    """Statuses from the agreement dates: 运行中 → 协议到期 once ``agreement_end`` has passed, and back when an
    agreement was extended. Idempotent (a second run the same day changes nothing); each change is audited."""
    today = today or timezone.localdate()
    counts = {"expired": 0, "reactivated": 0}
    changes = (("expire", Q(agreement_end__lt=today), "expired"),
               ("reactivate", Q(agreement_end__gte=today), "reactivated"))
    for name, cond, label in changes:
        sources = Station.WORKFLOW.sources(name)
        with transaction.atomic():
            for station in Station.objects.select_for_update().filter(cond, status__in=sources,
                                                                       deleted_at__isnull=True):
                old, new = Station.WORKFLOW.apply(station, name)
                station.save(update_fields=["status"])
                log_action(SYSTEM, "innovation.station.status", station, scope_path=station.org_path,
                           before={"status": old}, after={"status": new}, extra={"today": today.isoformat()})
                counts[label] += 1
    return counts


# ---- figures for reporting ---------------------------------------------------------------------------
METRIC_KEYS = ("stations", "station_projects", "station_patents", "station_trained", "station_revenue")


def station_metrics(paths: Iterable[str], year: int) -> dict[str, dict[str, float]]:
    """Per organisation path, figures of the stations managed anywhere in its subtree (the organisation itself
    included) for ``year``:

    - ``stations``: live, not revoked stations whose agreement overlaps the year;
    - ``station_projects`` / ``station_patents`` / ``station_trained`` / ``station_revenue`` (万元): the sums of
      the year's results (``StationYear``) of live stations (revoked ones included: they did report).

    Two aggregate queries over the minimal prefixes, whatever the number of paths; subtree sums are made in Python
    with a sorted list and two bisections per path."""
    wanted = list(dict.fromkeys(paths))
    out: dict[str, dict[str, float]] = {p: dict.fromkeys(METRIC_KEYS, 0.0) for p in wanted}
    if not wanted:
        return out
    prefixes = minimal_prefixes(wanted)
    # A range per prefix while there are few; else every station (SQLite refuses an OR of thousands of ranges,
    # the bisections below keep the right ones).
    under = prefix_q("org_path", prefixes) if len(prefixes) <= 50 else Q()
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    counted = (Station.objects.alive().filter(under)
               .exclude(status=StationStatus.REVOKED).filter(agreement_start__lte=end, agreement_end__gte=start)
               .values("org_path").annotate(n=Count("id")).values_list("org_path", "n"))
    results = (StationYear.objects.filter(under, year=year,
                                          station__deleted_at__isnull=True)
               .values_list("org_path", "projects", "patents", "trained", "revenue"))
    rows: list[tuple[str, tuple[float, ...]]] = [(p, (float(n), 0.0, 0.0, 0.0, 0.0)) for p, n in counted]
    rows += [(p, (0.0, float(a), float(b), float(c), float(d))) for p, a, b, c, d in results]
    rows.sort(key=lambda r: r[0])
    keys = [p for p, _v in rows]
    sums: list[tuple[float, ...]] = [(0.0,) * 5]
    for _p, v in rows:
        sums.append(tuple(s + x for s, x in zip(sums[-1], v, strict=True)))
    for p in wanted:
        lo, hi = bisect_left(keys, p), bisect_left(keys, p + "\uffff")
        out[p] = {k: round(sums[hi][i] - sums[lo][i], 2) for i, k in enumerate(METRIC_KEYS)}
    return out
