"""Service statistics (服务企业统计, SPEC §3.5): for a user's scope and a year, per society and per expert the
number of services, enterprises served and the average rating, the totals, and how many societies and experts
served at least once against the plans' yearly targets (settings ``KEXIE_TARGET_SOCIETIES`` and
``KEXIE_TARGET_EXPERTS``, 100 and 1,000 by default).

A *service* is one dispatch (every ``ServiceRecord`` of a dispatch — one per expert of the team — is the same
service) or one record written without a dispatch (点厨, 工作站, other). ``SERVICE_KEY`` gives each record the
key of its service: the dispatch id, or minus the record's own id. Enterprises are counted by ``enterprise_id``,
or by name for records of an unregistered enterprise. Averages are over rated services (a team's dispatch
counts once for its society), and over the expert's own rated records per expert.

Every figure is a GROUP BY over ``ServiceRecord.objects.for_user(user)``; names are fetched for the groups only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Sum, When

from kexie.innovation.models import ServiceRecord
from kexie.orgs.models import Organisation
from kexie.people.models import Person

SERVICE_KEY = Case(When(dispatch__isnull=False, then=F("dispatch_id")), default=-F("id"), output_field=IntegerField())
FIRST_YEAR = 2000


@dataclass
class Row:
    pk: int | None
    name: str
    services: int = 0
    enterprises: int = 0
    records: int = 0
    rating: float | None = None
    rated: int = 0
    societies: int = 0  # experts: how many societies they served with
    extra: str = ""  # experts: their employer


@dataclass
class Stats:
    year: int
    societies: list[Row] = field(default_factory=list)
    experts: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row(None, ""))
    societies_served: int = 0
    experts_served: int = 0
    target_societies: int = 100
    target_experts: int = 1000

    @property
    def societies_share(self) -> float:
        return 100.0 * self.societies_served / self.target_societies if self.target_societies else 0.0

    @property
    def experts_share(self) -> float:
        return 100.0 * self.experts_served / self.target_experts if self.target_experts else 0.0


def targets() -> tuple[int, int]:
    return (int(getattr(settings, "KEXIE_TARGET_SOCIETIES", 100)),
            int(getattr(settings, "KEXIE_TARGET_EXPERTS", 1000)))


def parse_year(value: Any, default: int | None = None) -> int:
    """A year from a query parameter; out-of-range or malformed values give the current year."""
    this = default or dt.date.today().year
    try:
        year = int(str(value))
    except (TypeError, ValueError):
        return this
    return year if FIRST_YEAR <= year <= this + 1 else this


def records(user: Any, year: int, action: str = "innovation.view") -> QuerySet[ServiceRecord]:
    """The user's service records served in ``year`` (a range on the indexed date), in the scope of ``action``
    ("export" for the export)."""
    return ServiceRecord.objects.for_user(user, action).filter(served_on__gte=dt.date(year, 1, 1),
                                                       served_on__lt=dt.date(year + 1, 1, 1))


def _counts(qs: QuerySet[ServiceRecord], group: str | None) -> dict[Any, dict[str, Any]]:
    """Services, enterprises and records per value of ``group`` (all together when ``None``)."""
    figures = {
        "services": Count(SERVICE_KEY, distinct=True),
        "ent_ids": Count("enterprise_id", distinct=True),
        "ent_names": Count("enterprise_name", distinct=True, filter=Q(enterprise__isnull=True)),
        "n": Count("id"),
    }
    if group is None:
        return {None: qs.aggregate(**figures)}
    rows = qs.filter(**{f"{group}__isnull": False}).values(group).annotate(**figures).order_by()
    return {r[group]: r for r in rows}


def _ratings(qs: QuerySet[ServiceRecord], group: str | None, per_service: bool) -> dict[Any, tuple[float, int]]:
    """Average rating per group: over rated services (one rating per service), or over rated records."""
    rated = qs.filter(rating__isnull=False)
    if group is not None:
        rated = rated.filter(**{f"{group}__isnull": False})
    cols = [group] if group else []
    if not per_service:
        if group is None:
            agg = rated.aggregate(s=Sum("rating"), c=Count("id"))
            return {None: (agg["s"] / agg["c"], agg["c"])} if agg["c"] else {}
        return {r[group]: (r["s"] / r["c"], r["c"])
                for r in rated.values(group).annotate(s=Sum("rating"), c=Count("id")).order_by()}
    sums: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for r in rated.values(*cols, key=SERVICE_KEY).annotate(r=Max("rating")).order_by():
        acc = sums[r[group] if group else None]
        acc[0] += r["r"]
        acc[1] += 1
    return {k: (s / c, c) for k, (s, c) in sums.items()}


def _rows(qs: QuerySet[ServiceRecord], group: str, per_service: bool, names: dict[int, tuple[str, str]]) -> list[Row]:
    counts = _counts(qs, group)
    ratings = _ratings(qs, group, per_service)
    out = []
    for pk, c in counts.items():
        name, extra = names.get(pk, ("", ""))
        avg, rated = ratings.get(pk, (None, 0))
        out.append(Row(pk, name, services=c["services"], enterprises=c["ent_ids"] + c["ent_names"], records=c["n"],
                       rating=round(avg, 2) if avg is not None else None, rated=rated, extra=extra))
    out.sort(key=lambda r: (-r.services, -r.enterprises, r.name, r.pk or 0))
    return out


def service_stats(user: Any, year: int, action: str = "innovation.view") -> Stats:
    qs = records(user, year, action)
    society_ids = list(qs.filter(society__isnull=False).values_list("society_id", flat=True).distinct().order_by())
    expert_ids = list(qs.filter(expert__isnull=False).values_list("expert_id", flat=True).distinct().order_by())
    org_names = {pk: (name, "") for pk, name in Organisation.objects.filter(pk__in=society_ids)
                 .values_list("pk", "name")}
    person_names = {pk: (name, employer) for pk, name, employer in Person.objects.filter(pk__in=expert_ids)
                    .values_list("pk", "name", "employer_name")}
    t_soc, t_exp = targets()
    stats = Stats(year=year, target_societies=t_soc, target_experts=t_exp)
    stats.societies = _rows(qs, "society_id", True, org_names)
    stats.experts = _rows(qs, "expert_id", False, person_names)
    per_expert_societies: dict[int | None, int] = dict(qs.filter(expert__isnull=False, society__isnull=False).values("expert_id")
                                .annotate(n=Count("society_id", distinct=True)).order_by()
                                .values_list("expert_id", "n"))
    for r in stats.experts:
        r.societies = per_expert_societies.get(r.pk, 0)
    total = _counts(qs, None)[None]
    avg, rated = _ratings(qs, None, True).get(None, (None, 0))
    stats.total = Row(None, "", services=total["services"] or 0,
                      enterprises=(total["ent_ids"] or 0) + (total["ent_names"] or 0), records=total["n"] or 0,
                      rating=round(avg, 2) if avg is not None else None, rated=rated)
    stats.societies_served, stats.experts_served = len(society_ids), len(expert_ids)
    return stats
