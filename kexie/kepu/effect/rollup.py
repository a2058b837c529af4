"""Writing a drained batch of view records in one transaction: ViewEvent rows in bulk; ItemDay per (item, local
day, channel, region) upserted with views, unique readers, seconds, completions and shares; Item.views and
Item.readers incremented with F expressions. Unique readers are those not yet seen that day: in Redis a set per
(day, item, channel, region) and per (day, item) (SADD answers 1 for a new member); without Redis the day's
ViewEvent rows of the batch's readers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from kexie.kepu.effect.counter import ViewRecord
from kexie.kepu.models import Channel, Item, ViewEvent

SEEN_TTL = 3 * 24 * 3600
CHANNELS = set(Channel.values)
Group = tuple[int, dt.date, str, str]  # item, day, channel, region


def _when(record: ViewRecord) -> tuple[dt.datetime, dt.date]:
    at = dt.datetime.fromtimestamp(record.at, tz=dt.UTC)
    return at, timezone.localtime(at).date()


def _day_bounds(days: Iterable[dt.date]) -> tuple[dt.datetime, dt.datetime]:
    days = sorted(days)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(days[0], dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _new_readers_db(views: list[tuple[Group, str]]) -> tuple[set[tuple[Group, str]], set[tuple[int, dt.date, str]]]:
    """Which (group, reader) and (item, day, reader) pairs of the batch the day's earlier ViewEvent rows lack."""
    if not views:
        return set(), set()
    start, end = _day_bounds(g[1] for g, _r in views)
    seen_group: set[tuple[Group, str]] = set()
    seen_item: set[tuple[int, dt.date, str]] = set()
    rows = ViewEvent.objects.filter(item_id__in={g[0] for g, _r in views}, at__gte=start, at__lt=end,
                                    reader__in={r for _g, r in views}).values_list(
        "item_id", "at", "channel", "region_code", "reader")
    for item_id, at, channel, region, reader in rows.iterator(chunk_size=5000):
        day = timezone.localtime(at).date()
        seen_group.add(((item_id, day, channel, region), reader))
        seen_item.add((item_id, day, reader))
    new_group: set[tuple[Group, str]] = set()
    new_item: set[tuple[int, dt.date, str]] = set()
    for group, reader in views:
        if (group, reader) not in seen_group:
            new_group.add((group, reader))
        if (group[0], group[1], reader) not in seen_item:
            new_item.add((group[0], group[1], reader))
    return new_group, new_item


def _new_readers_redis(client: Any, views: list[tuple[Group, str]]
                       ) -> tuple[set[tuple[Group, str]], set[tuple[int, dt.date, str]]]:
    pairs = list(dict.fromkeys(views))
    items = list(dict.fromkeys((g[0], g[1], r) for g, r in pairs))
    pipe = client.pipeline(transaction=False)
    for (item_id, day, channel, region), reader in pairs:
        key = f"kx:kepu:seen:{day:%Y%m%d}:{item_id}:{channel}:{region}"
        pipe.sadd(key, reader)
        pipe.expire(key, SEEN_TTL)
    for item_id, day, reader in items:
        key = f"kx:kepu:seen:{day:%Y%m%d}:{item_id}"
        pipe.sadd(key, reader)
        pipe.expire(key, SEEN_TTL)
    answers = pipe.execute()
    added = answers[0::2]
    new_group = {p for p, n in zip(pairs, added[:len(pairs)], strict=True) if n}
    new_item = {p for p, n in zip(items, added[len(pairs):], strict=True) if n}
    return new_group, new_item


def write_batch(records: list[ViewRecord], *, redis: Any = None) -> None:
    """One transaction for the whole batch; records of items that no longer exist are dropped."""
    if not records:
        return
    paths = dict(Item.objects.filter(pk__in={r.item_id for r in records}).values_list("pk", "org_path"))
    events: list[ViewEvent] = []
    totals: dict[Group, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # views readers seconds completions shares
    views: list[tuple[Group, str]] = []
    for r in records:
        if r.item_id not in paths:
            continue
        at, day = _when(r)
        channel = r.channel if r.channel in CHANNELS else Channel.WEB
        group = (r.item_id, day, channel, r.region_code)
        events.append(ViewEvent(item_id=r.item_id, at=at, channel=channel, region_code=r.region_code,
                                reader=r.reader, seconds=r.seconds, completed=r.completed, shared=r.shared,
                                officer_id=r.officer_id))
        t = totals[group]
        t[0] += int(r.view)
        t[2] += r.seconds
        t[3] += int(r.completed)
        t[4] += int(r.shared)
        if r.view and r.reader:
            views.append((group, r.reader))
    if not events:
        return
    with transaction.atomic():
        new_group, new_item = _new_readers_redis(redis, views) if redis is not None else _new_readers_db(views)
        for group, _reader in new_group:
            totals[group][1] += 1
        ViewEvent.objects.bulk_create(events, batch_size=1000)
        _upsert_days(totals, paths)
        per_item: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for group, t in totals.items():
            per_item[group[0]][0] += t[0]
        for item_id, _day, _reader in new_item:
            per_item[item_id][1] += 1
        _add_to_items({i: t for i, t in per_item.items() if t[0] or t[1]})


CHUNK = 500  # rows per statement


def _add_to_items(per_item: dict[int, list[int]]) -> None:
    """Item.views and Item.readers, one UPDATE … FROM a VALUES list per chunk (PostgreSQL and SQLite ≥ 3.33), ids in
    order so concurrent flushes lock rows in the same order."""
    rows = sorted(per_item.items())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cast = "::bigint" if connection.vendor == "postgresql" else ""
            cursor.execute(
                f"WITH v(id, v, n) AS (VALUES {values}) "
                f"UPDATE kepu_item SET views = kepu_item.views + v.v{cast}, readers = kepu_item.readers + v.n{cast} "
                f"FROM v WHERE kepu_item.id = v.id{cast}",
                [x for item_id, (v, n) in chunk for x in (item_id, v, n)])


def _upsert_days(totals: dict[Group, list[int]], paths: dict[int, str]) -> None:
    """ItemDay rows inserted or added to in one INSERT … ON CONFLICT DO UPDATE per chunk (a concurrent flush adds
    to the same row safely), in key order."""
    rows = sorted(totals.items())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                "INSERT INTO kepu_itemday (item_id, day, channel, region_code, org_path, views, readers, seconds, "
                f"completions, shares) VALUES {values} "
                "ON CONFLICT (item_id, day, channel, region_code) DO UPDATE SET "
                "views = kepu_itemday.views + excluded.views, readers = kepu_itemday.readers + excluded.readers, "
                "seconds = kepu_itemday.seconds + excluded.seconds, "
                "completions = kepu_itemday.completions + excluded.completions, "
                "shares = kepu_itemday.shares + excluded.shares",
                _flat((item, day, channel, region, paths[item], *t) for (item, day, channel, region), t in chunk))


def _flat(rows: Iterable[tuple[Any, ...]]) -> list[Any]:
    return [x for row in rows for x in row]
