"""The figures of the effect pages: one month of ItemDay (reach: views and readers; engagement: average time read,
completion rate, shares) and of ratings (average stars, share that helped), by item, channel, region, audience or
organisation, within the user's scope over the items' organisations. A handful of aggregate queries whatever the
number of rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.core.scope import prefix_q, scope_paths
from kexie.kepu.models import Channel, Item, ItemDay, Rating
from kexie.orgs.models import Region

BY_CHOICES: tuple[tuple[str, str | Promise], ...] = (
    ("item", gettext_lazy("作品")), ("channel", gettext_lazy("渠道")), ("region", gettext_lazy("地区")),
    ("audience", gettext_lazy("重点人群")), ("org", gettext_lazy("发布单位")))
# ItemDay field and Rating field of each dimension (ratings come through no channel)
_DAY_KEY = {"item": "item_id", "channel": "channel", "region": "region_code", "audience": "item__audiences__name",
            "org": "item__org_id"}
_RATING_KEY = {"item": "item_id", "region": "region_code", "audience": "item__audiences__name",
               "org": "item__org_id"}


@dataclass
class Row:
    key: Any
    label: str
    url: str = ""
    views: int = 0
    readers: int = 0
    seconds: int = 0
    completions: int = 0
    shares: int = 0
    ratings: int = 0
    stars: float | None = None
    helped_yes: int = 0
    helped_answers: int = 0

    @property
    def avg_seconds(self) -> float | None:
        return self.seconds / self.views if self.views else None

    @property
    def completion_rate(self) -> float | None:
        return 100.0 * self.completions / self.views if self.views else None

    @property
    def helped_pct(self) -> float | None:
        return 100.0 * self.helped_yes / self.helped_answers if self.helped_answers else None


@dataclass
class Report:
    month: dt.date
    by: str
    rows: list[Row]
    total: Row
    daily: list[tuple[dt.date, int, int]] = field(default_factory=list)  # day, views, readers


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following


def _scoped(qs: QuerySet[Any], user: Any, action: str, field_name: str) -> QuerySet[Any]:
    paths = scope_paths(user, action)
    if paths is None:
        return qs
    return qs.filter(prefix_q(field_name, paths)) if paths else qs.none()


def day_rows(user: Any, action: str, start: dt.date, end: dt.date) -> QuerySet[ItemDay]:
    return _scoped(ItemDay.objects.filter(day__gte=start, day__lt=end), user, action, "org_path")


def rating_rows(user: Any, action: str, start: dt.date, end: dt.date) -> QuerySet[Rating]:
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    return _scoped(Rating.objects.filter(at__gte=since, at__lt=until), user, action, "item__org_path")


_SUMS = {"views": Sum("views"), "readers": Sum("readers"), "seconds": Sum("seconds"),
         "completions": Sum("completions"), "shares": Sum("shares")}
_RATES = {"n": Count("id"), "stars_avg": Avg("stars"), "yes": Count("id", filter=Q(helped=True)),
          "answers": Count("id", filter=Q(helped__isnull=False))}


def _fill(row: Row, sums: dict[str, Any] | None, rates: dict[str, Any] | None) -> Row:
    for name in ("views", "readers", "seconds", "completions", "shares"):
        setattr(row, name, int((sums or {}).get(name) or 0))
    if rates:
        row.ratings, row.helped_yes, row.helped_answers = rates["n"] or 0, rates["yes"] or 0, rates["answers"] or 0
        row.stars = float(rates["stars_avg"]) if rates["stars_avg"] is not None else None
    return row


def _labels(by: str, keys: set[Any]) -> dict[Any, tuple[str, str]]:
    """Key → (label, link) of each row."""
    if by == "item":
        titles = dict(Item.objects.filter(pk__in=keys).values_list("pk", "title"))
        return {k: (titles.get(k, f"#{k}"), reverse("kepu:item-effect", args=[k])) for k in keys}
    if by == "org":
        from kexie.orgs.models import Organisation

        return {pk: (name, "") for pk, name in Organisation.objects.filter(pk__in=keys).values_list("pk", "name")}
    if by == "region":
        names = dict(Region.objects.filter(code__in=keys - {""}).values_list("code", "name"))
        return {k: (names.get(k, k) if k else _("未知地区"), "") for k in keys}
    if by == "channel":
        return {k: (str(Channel(k).label) if k in Channel.values else k, "") for k in keys}
    return {k: (k or _("未标注人群"), "") for k in keys}


def report(user: Any, month: dt.date, by: str, action: str = "kepu.view") -> Report:
    by = by if by in _DAY_KEY else "item"
    start, end = month_bounds(month)
    days, ratings = day_rows(user, action, start, end), rating_rows(user, action, start, end)
    key = _DAY_KEY[by]
    sums = {r[key]: r for r in days.values(key).annotate(**_SUMS).order_by()}
    rates: dict[Any, dict[str, Any]] = {}
    if by in _RATING_KEY:
        rkey = _RATING_KEY[by]
        rates = {r[rkey]: r for r in ratings.values(rkey).annotate(**_RATES).order_by()}
    labels = _labels(by, set(sums) | set(rates))
    rows = [_fill(Row(k, *labels.get(k, (str(k), ""))), sums.get(k), rates.get(k)) for k in set(sums) | set(rates)]
    rows.sort(key=lambda r: (-r.views, -r.ratings, r.label))
    total = _fill(Row("", _("合计")), days.aggregate(**_SUMS), ratings.aggregate(**_RATES))
    daily = [(r["day"], r["views"] or 0, r["readers"] or 0)
             for r in days.values("day").annotate(views=Sum("views"), readers=Sum("readers")).order_by("day")]
    return Report(start, by, rows, total, daily)


def item_series(item: Item, days: int = 90, today: dt.date | None = None) -> dict[str, Any]:
    """One item: the daily series of the last ``days`` days (every day, zeros included), its channels, its
    ratings."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    qs = ItemDay.objects.filter(item=item, day__gte=start, day__lte=today)
    by_day = {r["day"]: r for r in qs.values("day").annotate(**_SUMS).order_by()}
    series = []
    for n in range(days):
        day = start + dt.timedelta(days=n)
        series.append(_fill(Row(day, day.isoformat()), by_day.get(day), None))
    channels = [_fill(Row(r["channel"], str(Channel(r["channel"]).label) if r["channel"] in Channel.values
                          else r["channel"]), r, None)
                for r in qs.values("channel").annotate(**_SUMS).order_by("-views")]
    total = _fill(Row("", _("合计")), qs.aggregate(**_SUMS), Rating.objects.filter(item=item).aggregate(**_RATES))
    return {"series": series, "channels": channels, "total": total, "start": start, "end": today}
