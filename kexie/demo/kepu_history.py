"""The lived-in part of the 科普 demo: screens at the cities (two silent), information officers (demo-volunteer one
of them) with their points, demo-scientist's subscriptions, 90 days of reads (``ViewEvent`` rows and their
``ItemDay`` roll-up, decaying after publication, by channel and region), ratings, and 35 days of public searches
with a flat baseline and one term rising in the last days (a debunked rumour resurfacing in a coastal city), rolled
up into the hot-topic counts as the daily job would."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import random
from collections import Counter, defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from kexie.accounts.models import User
from kexie.core import bulk
from kexie.demo.data.kepu_debunks import BASELINE_QUERIES, RISING_QUERIES
from kexie.kepu.hot.rollup import roll_up_day
from kexie.kepu.models import (
    Audience,
    InfoOfficer,
    Item,
    ItemDay,
    ItemStatus,
    PointAction,
    PointEntry,
    PointRule,
    Rating,
    Screen,
    Topic,
    ViewEvent,
)
from kexie.kepu.officers import services as officer_services
from kexie.kepu.public.services import normalised_terms, save_subscriptions
from kexie.kepu.screens import services as screen_services
from kexie.orgs.models import Region

VIEWS = {"tiny": 700, "small": 20_000}  # reads over 90 days; larger scales 60,000
# The tiny province is what the tests seed, and every transactional test restores it: its history stays small.
RATINGS = {"tiny": (1, 4)}  # ratings per item (others: 3 to 25)
SEARCHES = {"tiny": (0, 1)}  # searches per baseline query a day (others: 1 to 5)
CHANNELS = (("web", 46), ("wechat", 30), ("screen", 9), ("feed", 6), ("share", 9))
SCREEN_PLACES = ("市民广场", "高铁站候车厅", "市图书馆大厅", "第一中学", "人民医院门诊大厅", "科技馆", "社区服务中心",
                 "工业园区职工之家", "农贸市场", "汽车客运站", "老年大学", "市政务服务中心")
NICKNAMES = ("科普小蜜蜂", "健康守门人", "田野观察员", "星空少年", "护苗志愿者", "银发讲解员", "辟谣先锋", "安全哨兵",
             "绿色出行者", "社区热心人", "乡村科技员", "小小科学家", "防灾宣传员", "知识搬运工", "晨读者")
SEARCH_DAYS = 35


def seed_history(gen: Any, rng: random.Random, log: Any = print) -> dict[str, int]:
    now = timezone.now()
    today = timezone.localdate()
    regions = _regions(gen)
    out: dict[str, int] = {}
    with transaction.atomic():
        out["screens"] = _screens(gen, rng, now)
        officers = _officers(gen, rng)
        out["officers"] = len(officers)
        _subscriptions(gen)
    items = list(Item.objects.filter(published_at__isnull=False, status__in=[ItemStatus.PUBLISHED,
                                                                            ItemStatus.RETRACTED])
                 .order_by("published_at"))
    budget = VIEWS.get(gen.scale_name, 60_000)
    with transaction.atomic():
        events, shares = _views(items, regions, officers, rng, now, budget)
        out["views"] = events
        out["ratings"] = _ratings(items, regions, rng, RATINGS.get(gen.scale_name, (3, 25)))
        out["points"] = _points(shares)
        out["searches"] = _searches(gen, regions, rng, now)
    for back in range(SEARCH_DAYS, -1, -1):
        roll_up_day(today - dt.timedelta(days=back))
    return out


def _regions(gen: Any) -> Pick:
    """Region codes readers come from with weights: city A and its counties most, the other cities less."""
    city_a = gen.cities[0].region.code if gen.cities else ""
    rows = Region.objects.filter(level__in=["city", "county"]).values_list("code", "level")
    out = [("", 8)]
    for code, level in rows:
        weight = 3 if level == "city" else 1
        if city_a and code.startswith(city_a[:4]):
            weight *= 3
        out.append((code, weight))
    return Pick(out)


def _screens(gen: Any, rng: random.Random, now: dt.datetime) -> int:
    province = User.objects.get(username="demo-province")
    topics = list(Topic.objects.all())
    n = 0
    for i in range(12):
        city = gen.cities[i % len(gen.cities)] if gen.cities else gen.root
        place = SCREEN_PLACES[i]
        screen, _key = screen_services.create_screen(
            province, org=city, name=f"{city.name.removesuffix('科学技术协会')}{place}科普大屏",
            location=f"{city.region.name if city.region_id else ''}{place}", region=city.region,
            topics=rng.sample(topics, 3))
        silent = i in (4, 9)
        beat = now - (dt.timedelta(days=rng.randint(2, 6)) if silent else dt.timedelta(minutes=rng.randint(1, 20)))
        Screen.objects.filter(pk=screen.pk).update(last_heartbeat_at=beat)
        n += 1
    return n


def _officers(gen: Any, rng: random.Random) -> list[InfoOfficer]:
    """~30 officers under the cities' associations; demo-volunteer is the first."""
    cities = gen.cities or [gen.root]
    users = [User.objects.get(username="demo-volunteer")]
    for i in range(29):
        user = User(username=f"kepu-officer-{i + 1:02d}", display_name=f"信息员{i + 1:02d}")
        user.set_unusable_password()
        user.save()
        users.append(user)
    officers = []
    for i, user in enumerate(users):
        org = cities[0] if i < 12 else cities[i % len(cities)]
        name = NICKNAMES[i % len(NICKNAMES)] + ("" if i < len(NICKNAMES) else str(i))
        officers.append(officer_services.register(user, org=org, display_name=name, region=org.region))
    return officers


def _subscriptions(gen: Any) -> None:
    user = User.objects.filter(username="demo-scientist").first()
    if user is None:
        return
    topics = list(Topic.objects.filter(code__in=["health", "space", "information"]))
    audiences = list(Audience.objects.filter(code__in=["youth"]))
    region = gen.cities[0].region if gen.cities else None
    save_subscriptions(user, topics=topics, audiences=audiences, region=region)


def _reader(n: int) -> str:
    return hashlib.blake2b(f"kepu-demo-reader-{n}".encode(), digest_size=16).hexdigest()


class Pick:
    """Weighted choice among ``(value, weight)`` pairs, the cumulative weights computed once (called per read)."""

    def __init__(self, pairs: list[tuple[str, int]] | tuple[tuple[str, int], ...]) -> None:
        self.values = [p[0] for p in pairs]
        self.cum = list(itertools.accumulate(p[1] for p in pairs))

    def __call__(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cum)[0]


CHANNEL = Pick(CHANNELS)
STARS = Pick((("5", 45), ("4", 30), ("3", 14), ("2", 6), ("1", 5)))


def _views(items: list[Item], regions: Pick, officers: list[InfoOfficer], rng: random.Random,
           now: dt.datetime, budget: int) -> tuple[int, Counter[tuple[int, dt.date, int]]]:
    """Reads of each published item from its publication (or 90 days ago) to now: a peak that decays over days to a
    floor, spread over waking hours; a reader pool where some return. Returns the events written and the reads
    each officer's shares brought per day and item."""
    start = now - dt.timedelta(days=90)
    plans = []
    for item in items:
        first = max(item.published_at, start)
        end = item.retracted_at or now
        peak = rng.uniform(0.4, 2.5) * (4 if item.incident_id else 1)
        tau = rng.uniform(3, 12)
        days = max(1, math.ceil((end - first).total_seconds() / 86400))
        curve = [peak * math.exp(-d / tau) + peak * 0.04 for d in range(days)]
        plans.append((item, first, end, curve))
    total = sum(sum(c) for _i, _f, _e, c in plans) or 1.0
    factor = budget / total
    pool = max(50, budget // 5)
    rows: list[ViewEvent] = []
    days: dict[tuple[int, dt.date, str, str], list[Any]] = {}
    shares: Counter[tuple[int, dt.date, int]] = Counter()
    for item, first, end, curve in plans:
        for d, expected in enumerate(curve):
            n = int(expected * factor * rng.uniform(0.75, 1.25) + rng.random())
            for _k in range(n):
                at = first + dt.timedelta(days=d, seconds=rng.randint(0, 86399))
                if at >= end:
                    continue
                channel = CHANNEL(rng)
                officer = rng.choice(officers) if channel == "share" and officers else None
                seconds = int(min(1200, rng.lognormvariate(4.2, 0.8)))
                completed = seconds > 90 and rng.random() < 0.7
                shared = rng.random() < 0.03
                reader = _reader(int(pool * rng.random() ** 2))
                region = regions(rng)
                rows.append(ViewEvent(item_id=item.pk, at=at, channel=channel, region_code=region, reader=reader,
                                      seconds=seconds, completed=completed, shared=shared,
                                      officer_id=officer.pk if officer else None))
                key = (item.pk, timezone.localtime(at).date(), channel, region)
                agg = days.setdefault(key, [0, set(), 0, 0, 0])
                agg[0] += 1
                agg[1].add(reader)
                agg[2] += seconds
                agg[3] += completed
                agg[4] += shared
                if officer is not None:
                    shares[(officer.pk, key[1], item.pk)] += 1
    ViewEvent.objects.bulk_create(rows, batch_size=5000)
    paths = {item.pk: item.org_path for item in items}
    ItemDay.objects.bulk_create(
        [ItemDay(item_id=i, org_path=paths[i], day=day, channel=c, region_code=r, views=a[0], readers=len(a[1]),
                 seconds=a[2], completions=a[3], shares=a[4]) for (i, day, c, r), a in days.items()],
        batch_size=5000)
    per_item: dict[int, list[Any]] = defaultdict(lambda: [0, defaultdict(set)])
    for (i, day, _c, _r), a in days.items():
        per_item[i][0] += a[0]
        per_item[i][1][day] |= a[1]
    for i, (views, readers) in per_item.items():
        Item.objects.filter(pk=i).update(views=views, readers=sum(len(r) for r in readers.values()))
    return len(rows), shares


def _ratings(items: list[Item], regions: Pick, rng: random.Random, per_item: tuple[int, int]) -> int:
    rows = []
    for item in items:
        for k in rng.sample(range(5000), rng.randint(*per_item)):
            stars = STARS(rng)
            rows.append(Rating(item=item, reader=_reader(k), stars=int(stars),
                               helped=None if rng.random() < 0.3 else int(stars) >= 3,
                               region_code=regions(rng)))
    Rating.objects.bulk_create(rows)
    return len(rows)


def _points(shares: Counter[tuple[int, dt.date, int]]) -> int:
    """The officers' ledger as ``points.award`` leaves it — a share the first day an officer's link brought a read
    of an item, and the reads it brought, each within its rule's daily cap — written in one bulk insert (the
    service writes one row per call and locks the officer: thousands of calls for a 90-day history)."""
    rules = {r.action: r for r in PointRule.objects.filter(active=True, points__gt=0)}
    given: Counter[tuple[int, dt.date, str]] = Counter()
    rows: list[PointEntry] = []

    def give(officer: int, day: dt.date, action: str, item: int, times: int) -> None:
        rule = rules.get(action)
        if rule is None:
            return
        points = rule.points * times
        if rule.daily_cap:
            points = min(points, rule.daily_cap - given[(officer, day, action)])
        if points > 0:
            given[(officer, day, action)] += points
            rows.append(PointEntry(officer_id=officer, action=action, points=points, item_id=item, day=day))

    first: set[tuple[int, int]] = set()
    for (officer, day, item), n in sorted(shares.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        if (officer, item) not in first:
            first.add((officer, item))
            give(officer, day, PointAction.SHARE, item, 1)
        give(officer, day, PointAction.SHARE_READ, item, n)
    PointEntry.objects.bulk_create(rows, batch_size=2000)
    return sum(r.points for r in rows)


def _searches(gen: Any, regions: Pick, rng: random.Random, now: dt.datetime) -> int:
    """35 days of public searches: the baseline queries at a steady rate; the rising term rare until the last four
    days, then many times a day, mostly from one coastal city."""
    coast = gen.cities[min(2, len(gen.cities) - 1)].region.code if gen.cities else ""
    rows = []
    per_day = SEARCHES.get(gen.scale_name, (1, 5))
    for back in range(SEARCH_DAYS, -1, -1):
        day0 = now - dt.timedelta(days=back)
        for q in BASELINE_QUERIES:
            for _k in range(rng.randint(*per_day)):
                rows.append((q, regions(rng), day0))
        rising = rng.randint(12, 22) if back <= 3 else (1 if rng.random() < 0.15 else 0)
        for _k in range(rising):
            rows.append((rng.choice(RISING_QUERIES), coast if rng.random() < 0.7 else regions(rng), day0))
    terms = {q: normalised_terms(q) for q in {r[0] for r in rows}}
    data = []
    for q, region, day0 in rows:
        at = min(now - dt.timedelta(seconds=1), day0 - dt.timedelta(seconds=rng.randint(0, 50_000)))
        data.append((q, terms[q], region, rng.randint(0, 12), None, at))
    return bulk.copy_rows("kepu_searchlog", ["q", "terms", "region_code", "results", "user_id", "at"], data)
