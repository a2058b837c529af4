"""Registry figures of 数字科普 (declared in ``KepuConfig.figures``; kexie.core.registry.Figure), per organisation
itself, for the previous calendar year: items it published, review rounds of its items completed, reads of its
items, debunks it published. One aggregate query per figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

Counter = Callable[[list[Any]], dict[int, float]]


def _last_year() -> tuple[dt.datetime, dt.datetime, int]:
    year = timezone.localdate().year - 1
    tz = timezone.get_current_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz), year


def _by_org(rows: Any) -> dict[int, float]:
    return {org_id: float(n or 0) for org_id, n in rows}


def kepu_items(orgs: list[Any]) -> dict[int, float]:
    from kexie.kepu.models import Item

    start, end, _year = _last_year()
    qs = Item.objects.filter(org__in=[o.pk for o in orgs], deleted_at__isnull=True, published_at__gte=start,
                             published_at__lt=end)
    return _by_org(qs.values("org_id").annotate(n=Count("id")).values_list("org_id", "n").order_by())


def kepu_reviewed(orgs: list[Any]) -> dict[int, float]:
    from kexie.kepu.models import Review, RoundStatus

    start, end, _year = _last_year()
    qs = Review.objects.filter(item__org__in=[o.pk for o in orgs], closed_at__gte=start, closed_at__lt=end,
                               status__in=(RoundStatus.APPROVED, RoundStatus.RETURNED))
    return _by_org(qs.values("item__org_id").annotate(n=Count("id")).values_list("item__org_id", "n").order_by())


def kepu_reads(orgs: list[Any]) -> dict[int, float]:
    from kexie.kepu.models import ItemDay

    _start, _end, year = _last_year()
    qs = ItemDay.objects.filter(item__org__in=[o.pk for o in orgs], day__year=year)
    return _by_org(qs.values("item__org_id").annotate(n=Sum("views")).values_list("item__org_id", "n").order_by())


def kepu_debunks(orgs: list[Any]) -> dict[int, float]:
    from kexie.kepu.models import Debunk, DebunkStatus

    start, end, _year = _last_year()
    qs = Debunk.objects.filter(org__in=[o.pk for o in orgs], deleted_at__isnull=True,
                               status=DebunkStatus.PUBLISHED, published_at__gte=start, published_at__lt=end)
    return _by_org(qs.values("org_id").annotate(n=Count("id")).values_list("org_id", "n").order_by())
