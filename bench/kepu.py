"""数字科普 at province scale (decision 0056): the public item page and the JSON feed over 100,000 published items
and 10,000,000 reads, and view counting — ``kexie.kepu.effect.counter`` (Redis buffer, and the in-process batch
without Redis) against the naive per-view insert a typical Django view would do (one ViewEvent INSERT and one
ItemDay upsert per view, autocommit), in the same run.

    flock /tmp/bench.lock .venv/bin/python -m bench.kepu --pg-url postgres://postgres@127.0.0.1:5432/kexie_bench_kepu
    .venv/bin/python -m bench.kepu --items 10000 --events 1000000        # 1/10 scale
    .venv/bin/python -m bench.kepu --reuse --mode counter --views 20000  # only the counters, on a seeded database

Modes (``--mode``): ``seed`` (drop, create, migrate, seed the tiny province, then COPY the items with their
topics, audiences and regions and the ViewEvent rows in chunks under deferred indexes; wall seconds per phase),
``pages`` (p50/p95 of /kepu/items/<pk>/ and /kepu/feed.json unfiltered and by region, audience and topic through
``django.test.Client`` in this process — not a server — cold: the cache cleared before every request; warm: the
same URL again), ``counter`` (``--views`` views through each path, ``--repeat`` rounds alternating, medians of
views/s and of this process's CPU seconds, and the ratio to the naive path), ``all`` (seed, pages, counter).
The database name must start with ``kexie_``; it is dropped and created unless ``--reuse``; ``--drop`` drops it at
the end. Redis: ``--redis`` (db 14 by default), flushed before and after each Redis round. Progress to stderr, the
tables to stdout, everything to ``--json``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import log, ratio, repeat, summarize, table  # noqa: E402

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/kexie_bench_kepu"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
CHUNK = 500_000
CHANNELS = ("web", "web", "web", "wechat", "wechat", "screen", "feed", "share")


class Phase:
    """Wall seconds, CPU seconds of this process, and the 1-minute load at the end."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> Phase:
        self.t0, self.c0 = time.perf_counter(), self._cpu()
        return self

    @staticmethod
    def _cpu() -> float:
        t = os.times()
        return t.user + t.system

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = self._cpu() - self.c0
        self.load = os.getloadavg()[0]


# ---- seeding ---------------------------------------------------------------------------------------------------
def seed(items: int, events: int, rng: random.Random) -> dict[str, Any]:
    from django.db import connection, transaction

    from kexie.core import bulk
    from kexie.demo import generator

    out: dict[str, Any] = {}
    with Phase("province") as p:
        generator.seed("tiny", 1, log=lambda *a, **k: None)
    out["province_seconds"] = round(p.wall, 1)
    log(f"  tiny province with its demo data in {p.wall:.0f} s")
    with Phase("items") as p, transaction.atomic():
        with bulk.indexes_deferred(["kepu_item", "kepu_item_topics", "kepu_item_audiences", "kepu_item_regions"]):
            first = _items(items, rng)
    out["items_seconds"] = round(p.wall, 1)
    log(f"  {items:,} items with their tags in {p.wall:.0f} s")
    pks = list(range(first, first + items))
    with Phase("views") as p:
        with transaction.atomic(), bulk.indexes_deferred(["kepu_viewevent"]):
            for start in range(0, events, CHUNK):
                n = min(CHUNK, events - start)
                bulk.copy_rows("kepu_viewevent", VIEW_COLUMNS, _view_rows(n, pks, rng))
                log(f"    {start + n:,} reads")
        with connection.cursor() as cur:
            cur.execute("UPDATE kepu_item i SET views = v.n FROM (SELECT item_id, count(*) AS n FROM kepu_viewevent "
                        "GROUP BY item_id) v WHERE v.item_id = i.id")
    out["views_seconds"] = round(p.wall, 1)
    log(f"  {events:,} reads (COPY in chunks of {CHUNK:,}, indexes rebuilt, Item.views summed) in {p.wall:.0f} s")
    bulk.analyze(["kepu_item", "kepu_item_topics", "kepu_item_audiences", "kepu_item_regions", "kepu_viewevent"])
    return out


def _items(n: int, rng: random.Random) -> int:
    """``n`` published province and city items (the demo's texts in turn), 1–2 topics, 1 audience, 1 region."""
    from django.utils import timezone

    from kexie.core import bulk
    from kexie.core.search import index_text
    from kexie.demo.kepu import html_of, province_texts
    from kexie.kepu.content.sanitize import plain_text
    from kexie.kepu.models import Audience, Item, Topic
    from kexie.orgs.models import Organisation, Region

    texts = province_texts()
    bodies = [html_of(t.body) for t in texts]
    # the search tokens as the content services write them (title, byline, source whole; the rest segmented)
    tokens = [index_text(whole=[t.title, t.byline, t.source], segmented=[t.summary, plain_text(b)])
              for t, b in zip(texts, bodies, strict=True)]
    orgs = list(Organisation.objects.filter(depth__lte=2, kind__code="kx").order_by("path"))
    regions = list(Region.objects.filter(level__in=["province", "city", "county"]).values_list("pk", flat=True))
    topics = list(Topic.objects.values_list("pk", flat=True))
    audiences = list(Audience.objects.values_list("pk", flat=True))
    first = bulk.next_id("kepu_item")
    now = timezone.now()
    fields = [f for f in Item._meta.concrete_fields]
    columns = [f.column for f in fields]
    rows, tags_t, tags_a, tags_r = [], [], [], []
    for k in range(n):
        pk, t = first + k, k % len(texts)
        text, org = texts[t], orgs[k % len(orgs)]
        when = now - dt.timedelta(seconds=rng.randint(0, 365 * 86400))
        values = {"id": pk, "org_id": org.pk, "org_path": org.path, "kind": "article", "title": text.title,
                  "summary": text.summary, "body": bodies[t], "source": text.source, "source_url": "",
                  "byline": text.byline, "health": text.health, "status": "published", "version": 1,
                  "publish_at": None, "published_at": when, "retracted_at": None, "correction": "",
                  "incident_id": None, "after_review_due_at": None, "after_reviewed_at": None,
                  "after_review_escalated_at": None, "origin_id": None, "author_id": None, "locked_by_id": None,
                  "locked_until": None, "views": 0, "readers": 0, "search_text": tokens[t], "created_at": when,
                  "updated_at": when, "deleted_at": None}
        rows.append(tuple(values[c] for c in columns))
        for topic in rng.sample(topics, rng.choice((1, 2))):
            tags_t.append((pk, topic))
        tags_a.append((pk, rng.choice(audiences)))
        tags_r.append((pk, rng.choice(regions)))
    bulk.copy_rows("kepu_item", columns, rows)
    bulk.copy_rows("kepu_item_topics", ["item_id", "topic_id"], tags_t)
    bulk.copy_rows("kepu_item_audiences", ["item_id", "audience_id"], tags_a)
    bulk.copy_rows("kepu_item_regions", ["item_id", "region_id"], tags_r)
    bulk.reset_sequence("kepu_item")
    return first


VIEW_COLUMNS = ["item_id", "at", "channel", "region_code", "reader", "seconds", "completed", "shared", "officer_id"]


def _view_rows(n: int, pks: list[int], rng: random.Random):
    from django.utils import timezone

    now = timezone.now()
    hot = pks[-max(1, len(pks) // 20):]  # the newest twentieth gets half the reads
    regions = ["", "990100", "990200", "990300", "990101", "990201"]
    readers = [f"{i:032x}" for i in range(0, 2_000_000, 7)]
    for _k in range(n):
        item = rng.choice(hot) if rng.random() < 0.5 else rng.choice(pks)
        seconds = rng.randint(0, 600)
        yield (item, now - dt.timedelta(seconds=rng.randint(0, 90 * 86400)), rng.choice(CHANNELS),
               rng.choice(regions), rng.choice(readers), seconds, seconds > 90, rng.random() < 0.03, None)


# ---- pages -----------------------------------------------------------------------------------------------------
def urls() -> dict[str, str]:
    from kexie.kepu.models import Audience, Item, Topic

    public = Item.objects.for_public()
    newest = public.order_by("-published_at").values_list("pk", flat=True).first()
    oldest = public.order_by("published_at").values_list("pk", flat=True).first()
    topic = Topic.objects.order_by("order").values_list("code", flat=True).first()
    audience = Audience.objects.order_by("order").values_list("code", flat=True).first()
    return {"item (newest)": f"/kepu/items/{newest}/", "item (a year old)": f"/kepu/items/{oldest}/",
            "feed.json": "/kepu/feed.json", "feed.json?region=990100 (city)": "/kepu/feed.json?region=990100",
            f"feed.json?audience={audience}": f"/kepu/feed.json?audience={audience}",
            f"feed.json?topic={topic}": f"/kepu/feed.json?topic={topic}"}


def pages(runs: int) -> dict[str, Any]:
    from django.core.cache import cache
    from django.test import Client

    from kexie.kepu.effect import counter

    out: dict[str, Any] = {}
    for key, url in urls().items():
        client = Client()

        def get(url: str = url, client: Client = client) -> None:
            resp = client.get(url)
            assert resp.status_code == 200, (url, resp.status_code)

        def cold(url: str = url) -> None:
            cache.clear()
            get(url)

        out[key] = {"url": url, "cold": summarize(repeat(cold, runs)), "warm": summarize(repeat(get, runs))}
        log(f"  {key}: cold p95 {out[key]['cold']['p95_ms']:.1f} ms, warm p95 {out[key]['warm']['p95_ms']:.1f} ms")
    counter.flush()  # the item page's reads, buffered
    return out


# ---- view counting ---------------------------------------------------------------------------------------------
def _views(n: int, rng: random.Random) -> list[tuple[int, str, str, str, int]]:
    from kexie.kepu.models import Item

    pks = list(Item.objects.for_public().values_list("pk", flat=True)[:100_000])
    regions = ["", "990100", "990200", "990101"]
    return [(rng.choice(pks), rng.choice(CHANNELS[:5]), rng.choice(regions), f"{rng.randint(0, 20_000):032x}",
             rng.randint(0, 300)) for _k in range(n)]


def _naive(views: list[tuple[int, str, str, str, int]]) -> None:
    """What a typical Django view does per read: INSERT the event, upsert the day's row (autocommit each)."""
    from django.db import connection
    from django.utils import timezone

    from kexie.kepu.models import Item, ViewEvent

    paths = dict(Item.objects.filter(pk__in={v[0] for v in views}).values_list("pk", "org_path"))
    for item, channel, region, reader, seconds in views:
        now = timezone.now()
        ViewEvent.objects.create(item_id=item, at=now, channel=channel, region_code=region, reader=reader,
                                 seconds=seconds)
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO kepu_itemday (item_id, org_path, day, channel, region_code, views, readers, seconds, "
                "completions, shares) VALUES (%s, %s, %s, %s, %s, 1, 1, %s, 0, 0) "
                "ON CONFLICT (item_id, day, channel, region_code) DO UPDATE SET views = kepu_itemday.views + 1, "
                "seconds = kepu_itemday.seconds + EXCLUDED.seconds",
                [item, paths[item], timezone.localdate(now), channel, region, seconds])


def _counted(views: list[tuple[int, str, str, str, int]], redis_url: str) -> None:
    from django.conf import settings

    from kexie.kepu.effect import counter

    settings.KEXIE_REDIS_URL = redis_url
    counter._clients.clear()
    for item, channel, region, reader, seconds in views:
        counter.record_view(item, channel=channel, region_code=region, reader=reader, seconds=seconds)
    counter.flush()


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def counting(n: int, rounds: int, redis_url: str, rng: random.Random) -> dict[str, Any]:
    from django.conf import settings

    from kexie.kepu.models import ViewEvent

    views = _views(n, rng)
    variants: dict[str, Any] = {
        "naive per-view insert (peer)": lambda: _naive(views),
        f"counter, in-process batch of {settings.KEXIE_KEPU_VIEW_BATCH}": lambda: _counted(views, ""),
    }
    if redis_url:
        variants["counter, Redis buffer"] = lambda: _counted(views, redis_url)
    phases: dict[str, list[Phase]] = {k: [] for k in variants}
    for r in range(rounds):
        for name, fn in variants.items():
            if "Redis" in name:
                _flush_redis(redis_url)
            before = ViewEvent.objects.count()
            with Phase(name) as p:
                fn()
            written = ViewEvent.objects.count() - before
            if "Redis" in name:
                _flush_redis(redis_url)
            assert written == n, (name, written, n)
            phases[name].append(p)
            log(f"  round {r + 1}: {name}: {n / p.wall:,.0f} views/s, {p.cpu:.1f} CPU-s, load {p.load:.1f}")
    settings.KEXIE_REDIS_URL = ""
    out: dict[str, Any] = {}
    for name, ps in phases.items():
        wall = statistics.median(p.wall for p in ps)
        out[name] = {"views": n, "rounds": len(ps), "wall_s": round(wall, 2),
                     "cpu_s": round(statistics.median(p.cpu for p in ps), 2),
                     "views_per_s": round(n / wall), "load": round(statistics.median(p.load for p in ps), 1),
                     "walls": [round(p.wall, 2) for p in ps]}
    base = out["naive per-view insert (peer)"]["views_per_s"]
    for v in out.values():
        v["ratio"] = ratio(v["views_per_s"], base)
    return out


# ---- main ------------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["all", "seed", "pages", "counter"], default="all")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--views", type=int, default=50_000, help="views per counting round")
    parser.add_argument("--repeat", type=int, default=3, help="counting rounds (medians printed)")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page and cache state")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis URL of the buffer ('' to skip that variant)")
    parser.add_argument("--reuse", action="store_true", help="keep the database (already seeded)")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = args.pg_url
    os.environ["KEXIE_REDIS_URL"] = ""
    os.environ["KEXIE_VAR_DIR"] = tempfile.mkdtemp(prefix="kexie-kepubench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    from bench.imports import recreate_pg

    fresh = not args.reuse and args.mode in ("all", "seed")
    if fresh:
        recreate_pg(args.pg_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rng = random.Random(1)
    result: dict[str, Any] = {"loadavg_start": os.getloadavg(), "items": args.items, "events": args.events}
    if fresh:
        log("migrate …")
        call_command("migrate", verbosity=0)
        log(f"seed: {args.items:,} items, {args.events:,} reads …")
        result["seed"] = seed(args.items, args.events, rng)
    if args.mode in ("all", "pages"):
        log(f"pages through django.test.Client ({args.runs} timed requests per state after 3 warm-ups) …")
        result["pages"] = pages(args.runs)
    if args.mode in ("all", "counter"):
        log(f"view counting: {args.views:,} views per round, {args.repeat} rounds …")
        result["counter"] = counting(args.views, args.repeat, args.redis, rng)
    result["loadavg_end"] = os.getloadavg()
    _print(result)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=1, default=str)
    if args.drop:
        from django.db import connections

        connections.close_all()
        _drop(args.pg_url)
    return 0


def _print(result: dict[str, Any]) -> None:
    if "seed" in result:
        s = result["seed"]
        print(table(["seed phase", "wall s"], [["tiny province + demo data", s["province_seconds"]],
                                               [f"{result['items']:,} items + tags (COPY)", s["items_seconds"]],
                                               [f"{result['events']:,} reads (COPY, chunks)", s["views_seconds"]]]))
        print()
    if "pages" in result:
        print(table(["page", "cold p50 ms", "cold p95 ms", "warm p50 ms", "warm p95 ms"],
                    [[k, v["cold"]["p50_ms"], v["cold"]["p95_ms"], v["warm"]["p50_ms"], v["warm"]["p95_ms"]]
                     for k, v in result["pages"].items()]))
        print()
    if "counter" in result:
        print(table(["view counting", "views", "median wall s", "median CPU s", "views/s", "× naive", "load 1m"],
                    [[k, v["views"], v["wall_s"], v["cpu_s"], v["views_per_s"], v["ratio"], v["load"]]
                     for k, v in result["counter"].items()]))
        print()
    print(f"load average {result['loadavg_start']} → {result['loadavg_end']}")


def _drop(url: str) -> None:
    import psycopg
    from psycopg import sql

    conninfo = url.replace("postgres://", "postgresql://", 1)
    name = str(psycopg.conninfo.conninfo_to_dict(conninfo).get("dbname") or "")
    if not name.startswith("kexie_"):
        raise SystemExit(f"refusing to drop database {name!r}: the name must start with kexie_")
    with psycopg.connect(psycopg.conninfo.make_conninfo(conninfo, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    raise SystemExit(main())
