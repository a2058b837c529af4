"""People list / search / org tree latency through ``django.test.Client`` (the full request
path: middleware, session, scope filter, FilterSet, paginator, template), and the indexed
search against a naive ``LIKE`` scan. Runs inside a worker process on a seeded database."""

from __future__ import annotations

import time
from collections import Counter
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.common import log, ratio, repeat, summarize

USERS = ("demo-province", "demo-city-a", "demo-enterprise")  # whole province, one city, one small unit
PAGE = 50
SLOW_S = 3.0  # a URL whose warm-ups average more than this gets MIN_RUNS timed requests
MIN_RUNS = 5


def pick_terms() -> dict[str, str]:
    """A common expertise keyword (many matches) and a rare term (one person's full name,
    someone in city A, so the province and city users can find them)."""
    from kexie.accounts.models import User
    from kexie.people.models import Person

    counter: Counter[str] = Counter()
    for kws in Person.objects.order_by("id").values_list("expertise", flat=True)[:20000]:
        counter.update(kws)
    common = counter.most_common(1)[0][0]
    from kexie.core.scope import scope_paths

    city_a = (scope_paths(User.objects.get(username="demo-city-a"), "people.view") or [""])[0]
    names = (Person.objects.filter(org_path__startswith=city_a).order_by("id")
             .values_list("name", flat=True)[:300])
    candidates = [n for n in names if len(n) >= 3] or list(names)
    rare = min(candidates[:60], key=lambda n: Person.objects.filter(name=n).count())
    # partial names: the commonest surname (its every bearer, a few per cent of the province) and the
    # rare person's given name
    surname = Counter(n[0] for n in Person.objects.order_by("id").values_list("name", flat=True)[:20000])
    return {"common": common, "rare": rare, "surname": surname.most_common(1)[0][0], "given": rare[1:]}


def urls(terms: dict[str, str]) -> dict[str, str]:
    return {
        "list": "/people/",
        "page5": "/people/?page=5",
        "q_common": "/people/?" + urlencode({"q": terms["common"]}),
        "q_rare": "/people/?" + urlencode({"q": terms["rare"]}),
        "q_filtered": "/people/?" + urlencode({"q": terms["common"], "gender": "F", "title_level": "senior"}),
        "q_surname": "/people/?" + urlencode({"q": terms["surname"]}),
        "q_given": "/people/?" + urlencode({"q": terms["given"]}),
        "orgs_tree": "/orgs/",
    }


def measure_pages(terms: dict[str, str], runs: int) -> dict:
    from kexie.accounts.models import User

    out: dict[str, dict] = {}
    for username in USERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for key, url in urls(terms).items():

            def get(url=url, client=client):
                resp = client.get(url)
                assert resp.status_code == 200, (url, resp.status_code)
                return resp

            warm = repeat(get, 3, warmups=0)
            n = runs if sum(warm) / 3 <= SLOW_S else MIN_RUNS
            samples = repeat(get, n, warmups=0)
            stats = summarize(samples)
            stats["url"] = url
            stats["reduced_runs"] = n < runs
            stats["slowest_query"] = slowest_query(get)
            out[f"{username} {key}"] = stats
            log(f"  {username:<14} {key:<11} p50 {stats['p50_ms']:>8.1f} ms  p95 {stats['p95_ms']:>8.1f} ms"
                f"  (slowest SQL {stats['slowest_query']['ms']:.1f} ms of {stats['slowest_query']['queries']})")
    return out


def slowest_query(call) -> dict:
    """One more request with queries captured: how many, and the slowest with its plan."""
    with CaptureQueriesContext(connection) as ctx:
        call()
    worst = max(ctx.captured_queries, key=lambda q: float(q["time"]))
    total = sum(float(q["time"]) for q in ctx.captured_queries)
    return {"queries": len(ctx.captured_queries), "sql_ms_total": round(total * 1000, 1),
            "ms": round(float(worst["time"]) * 1000, 1), "sql": worst["sql"], "plan": explain(worst["sql"])}


def explain(sql: str) -> str:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return "\n".join(r[0] for r in cur.fetchall())
        cur.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(f"{r[0]}|{r[1]}| {r[3]}" for r in cur.fetchall())


def search_vs_naive(terms: dict[str, str], runs: int) -> dict:
    """Same shape both ways (count + first page of 50, newest first, no scope): the token
    lookup (GIN tsvector / FTS5) against ``search_text LIKE '%term%'``."""
    from kexie.people.models import Person

    out = {}
    for label, term in terms.items():
        indexed = Person.objects.alive().search(term)
        naive = Person.objects.alive().filter(search_text__contains=term).order_by("-id")
        row = {"term": term}
        for name, qs in (("indexed", indexed), ("naive", naive)):

            def run(qs=qs):
                return qs.count(), list(qs[:PAGE])

            t0 = time.perf_counter()
            row[name + "_count"] = run()[0]  # doubles as the warm-up
            n = runs if time.perf_counter() - t0 <= SLOW_S else MIN_RUNS
            t0 = time.perf_counter()
            row[name] = summarize(repeat(run, n, warmups=0))
            row[name]["wall_s"] = round(time.perf_counter() - t0, 1)
            with CaptureQueriesContext(connection) as ctx:
                run()
            row[name]["queries"] = [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"],
                                     "plan": explain(q["sql"])} for q in ctx.captured_queries]
        row["naive_over_indexed_p50"] = ratio(row["naive"]["p50_ms"], row["indexed"]["p50_ms"])
        row["naive_over_indexed_p95"] = ratio(row["naive"]["p95_ms"], row["indexed"]["p95_ms"])
        out[label] = row
        log(f"  search {label:<6} {term!r}: indexed p95 {row['indexed']['p95_ms']:.1f} ms "
            f"({row['indexed_count']:,} hits), naive LIKE p95 {row['naive']['p95_ms']:.1f} ms "
            f"({row['naive_count']:,} hits), naive/indexed ×{row['naive_over_indexed_p95']}")
    return out

