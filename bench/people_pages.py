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


def measure_pages(terms: dict[str, str], runs: int, keys: tuple[str, ...] = (),
                  users: tuple[str, ...] = USERS) -> dict:
    from kexie.accounts.models import User

    out: dict[str, dict] = {}
    for username in users:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for key, url in urls(terms).items():
            if keys and key not in keys:
                continue

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
        if connection.vendor == "postgresql":
            row.update(plans(term, min(runs, PLAN_RUNS)))
        out[label] = row
        log(f"  search {label:<6} {term!r}: indexed p95 {row['indexed']['p95_ms']:.1f} ms "
            f"({row['indexed_count']:,} hits), naive LIKE p95 {row['naive']['p95_ms']:.1f} ms "
            f"({row['naive_count']:,} hits), naive/indexed ×{row['naive_over_indexed_p95']}"
            + (f"; plan {row['plan']}, walk p50 {row['walk']['p50_ms']:.1f} ms, sort p50 {row['sort']['p50_ms']:.1f} ms"
               if "plan" in row else ""))
    return out


PLAN_RUNS = 10


def plans(term: str, runs: int) -> dict:
    """PostgreSQL: the plan ``Person.objects.search()`` chose for ``term`` from the column statistics, and
    both plans forced side by side (count + first page): walking the primary key (``ORDER BY id DESC``)
    against sorting the GIN matches (``ORDER BY id + 0 DESC``), with the rows checked equal."""
    from django.db.models import F, OrderBy

    from kexie.people.models import Person, search_plan

    base = Person.objects.alive().filter(search_text__tokens=term)
    forced = {"walk": base.order_by("-id"), "sort": base.order_by(OrderBy(F("id") + 0, descending=True))}
    out: dict = {"plan": search_plan(term)}
    seen = {}
    for name, qs in forced.items():

        def run(qs=qs):
            return qs.count(), list(qs.values_list("id", flat=True)[:PAGE])

        t0 = time.perf_counter()
        seen[name] = run()
        n = runs if time.perf_counter() - t0 <= SLOW_S else MIN_RUNS
        out[name] = summarize(repeat(run, n, warmups=0))
    assert seen["walk"] == seen["sort"], term
    return out



SEARCH_PAGES = ("q_common", "q_rare", "q_filtered", "q_surname", "q_given")


def shipped_vs_built(runs: int) -> dict:
    """PostgreSQL, on a seeded database: the search pages as built (stored ``search_vector``, plan by term
    frequency) and as shipped before it (GIN on the ``to_tsvector(search_text)`` expression, every search
    ordered by ``id + 0``), one after the other on the same data. The shipped form is restored for the run:
    the expression index is built, the lookup told the model has no stored vector and ``search_plan`` held
    at "sort"; the index is dropped again at the end."""
    from unittest import mock

    from kexie.people import models as people_models
    from kexie.people.models import Person

    terms = pick_terms()
    out: dict = {"terms": terms}
    log(f"  as built; terms {terms}")
    out["built"] = measure_pages(terms, runs, SEARCH_PAGES)
    with connection.cursor() as cur:
        t0 = time.perf_counter()
        cur.execute("CREATE INDEX IF NOT EXISTS people_person_search_text_gin ON people_person "
                    "USING gin (to_tsvector('simple'::regconfig, search_text))")
        cur.execute("ANALYZE people_person")
        out["expression_index_s"] = round(time.perf_counter() - t0, 1)
    try:
        with mock.patch.object(Person, "search_vector_column", None), \
                mock.patch.object(people_models, "search_plan", lambda query: "sort"):
            log("  as shipped (expression GIN, ORDER BY id + 0)")
            out["shipped"] = measure_pages(terms, runs, SEARCH_PAGES)
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP INDEX IF EXISTS people_person_search_text_gin")
    return out


def member_arm_side_by_side(runs: int, rounds: int = 2) -> dict:
    """PostgreSQL: a city's people pages with the membership arm of its scope as an id array
    (``MEMBER_ARRAY_MAX``, the planner may combine it with the path range and the search index in one bitmap)
    and as the hashed IN-subquery it was before, alternating ``rounds`` times on the same data."""
    from unittest import mock

    from kexie.people import models as people_models

    terms = pick_terms()
    out: dict = {"terms": terms, "array": [], "subquery": []}
    for i in range(rounds):
        log(f"  round {i + 1}: membership arm as an id array")
        out["array"].append(measure_pages(terms, runs, users=("demo-city-a",)))
        with mock.patch.object(people_models, "MEMBER_ARRAY_MAX", -1):
            log(f"  round {i + 1}: membership arm as an IN-subquery (before)")
            out["subquery"].append(measure_pages(terms, runs, users=("demo-city-a",)))
    return out


if __name__ == "__main__":
    # DATABASE_URL=postgres://…/kexie_bench… KEXIE_VAR_DIR=… .venv/bin/python -m bench.people_pages OUT.json [RUNS]
    # [member-arm | pages]  (member_arm_side_by_side, or every user's pages as built, instead of shipped_vs_built)
    import json
    import os
    import sys

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    import django

    django.setup()
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    if len(sys.argv) > 3 and sys.argv[3] == "member-arm":
        result = member_arm_side_by_side(runs)
    elif len(sys.argv) > 3 and sys.argv[3] == "pages":  # every user's pages as built, once
        result = measure_pages(pick_terms(), runs)
    else:
        result = shipped_vs_built(runs)
    with open(sys.argv[1], "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=1, default=str)
