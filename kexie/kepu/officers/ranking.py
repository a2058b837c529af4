"""The yearly ranking of 科普中国信息员 (seed 001: "前200名"): the sum of an officer's points in a calendar year,
ties to the earlier registration; by region (the officer's region or any below it); active officers with points
only. Public display names are masked (first character + ＊)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum

from kexie.kepu.models import InfoOfficer, PointEntry
from kexie.orgs.models import Region

TOP_DEFAULT = 200
TOP_MAX = 1000


@dataclass(frozen=True)
class Row:
    rank: int
    officer_id: int
    masked_name: str
    org_name: str
    region_name: str
    points: int


def mask(name: str) -> str:
    """"张三丰" → "张＊": the first character and a full-width star."""
    name = (name or "").strip()
    return f"{name[0]}＊" if name else "＊"


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def region_ids(code: str) -> QuerySet[Region, Any] | None:
    """The region of ``code`` and every region below it (four levels); None for an unknown code."""
    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        return None
    return Region.objects.filter(Q(pk=region.pk) | Q(parent=region) | Q(parent__parent=region)
                                 | Q(parent__parent__parent=region)).values("pk")


def totals(year: int, officers: QuerySet[InfoOfficer] | None = None) -> QuerySet[InfoOfficer]:
    """Officers (active) annotated with ``year_points``, those with points only, in ranking order."""
    start, end = year_bounds(year)
    qs = (officers if officers is not None else InfoOfficer.objects.all()).filter(active=True)
    return (qs.annotate(year_points=Sum("points__points", filter=Q(points__day__range=(start, end))))
            .filter(year_points__gt=0).order_by("-year_points", "registered_at", "pk"))


def top(year: int, n: int = TOP_DEFAULT, region_code: str = "") -> list[Row]:
    """The first ``n`` officers of ``year`` (of a region and below when ``region_code`` names one)."""
    qs = InfoOfficer.objects.all()
    if region_code:
        ids = region_ids(region_code)
        if ids is None:
            return []
        qs = qs.filter(region__in=ids)
    n = max(1, min(int(n), TOP_MAX))
    rows = totals(year, qs).select_related("org", "region")[:n]
    return [Row(i, o.pk, mask(o.display_name), o.org.name, o.region.name if o.region else "",
                int(getattr(o, "year_points", 0) or 0)) for i, o in enumerate(rows, start=1)]


def standing(officer: InfoOfficer, year: int) -> tuple[int, int | None]:
    """(the officer's points in ``year``, their rank among all officers, None without points)."""
    start, end = year_bounds(year)
    mine: int = (PointEntry.objects.filter(officer=officer, day__range=(start, end))
                 .aggregate(s=Sum("points"))["s"]) or 0
    if mine <= 0 or not officer.active:
        return mine, None
    ahead = totals(year).filter(Q(year_points__gt=mine) | Q(year_points=mine, registered_at__lt=officer.registered_at)
                                | Q(year_points=mine, registered_at=officer.registered_at, pk__lt=officer.pk))
    return mine, ahead.count() + 1
