"""The public portal at province scale: the home page, the expert finder (a common and a rare term), its JSON API
and the news list, through ``django.test.Client`` as an anonymous visitor, cold (server cache cleared before every
request) and warm; and the expert finder's query beside a named peer on the same profiles: PostgreSQL's own
full-text search ranked with ``ts_rank`` over a stored ``tsvector`` column under a GIN index (the configuration
the PostgreSQL manual recommends, §12.2.2 and §12.9), same tokens, same page size, each with its count.
Runs alone against an existing, seeded database (``kexie seed`` or the bench helpers at 1,000,000 people):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kexie_bench_x flock /tmp/bench.lock \\
        .venv/bin/python bench/portal.py --runs 30 --json var/bench/portal.json

``--prepare`` (default on) turns on the public profile for about one in seven people with expertise when nobody
has one yet (the demo share: 10–20 %) and adds 40 published articles when there are none.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import log, ratio, repeat, summarize, table  # noqa: E402

PEER_TABLE = "bench_portal_peer"


def prepare() -> dict:
    from django.db import connection
    from django.utils import timezone

    from kexie.orgs.models import Organisation
    from kexie.people.models import Person
    from kexie.portal.models import Article

    out: dict = {}
    if not Person.objects.for_public().exists():
        with connection.cursor() as cur:
            cur.execute("UPDATE people_person SET public_profile = true WHERE id % 7 = 0 AND expertise::text <> '[]'"
                        if connection.vendor == "postgresql" else
                        "UPDATE people_person SET public_profile = 1 WHERE id % 7 = 0 AND expertise <> '[]'")
            out["made_public"] = cur.rowcount
    if not Article.objects.exists():
        root = Organisation.objects.filter(depth=1).first()
        now = timezone.now()
        Article.objects.bulk_create([
            Article(org=root, org_path=root.path, kind="news" if i % 3 else "notice", title=f"基准新闻 {i}",
                    summary="摘要", body="正文。\n\n第二段。", status="published", published_at=now)
            for i in range(40)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE people_person")
    out["public_people"] = Person.objects.for_public().count()
    out["people"] = Person.objects.alive().count()
    return out


def pick_terms() -> dict[str, str]:
    """A common expertise keyword of the public profiles and a rare term (one public expert's full name)."""
    from kexie.people.models import Person

    counter: Counter[str] = Counter()
    rows = Person.objects.for_public().order_by("id").values_list("expertise", "name")[:20000]
    names: Counter[str] = Counter()
    for kws, name in rows:
        counter.update(kws)
        names[name] += 1
    common = counter.most_common(1)[0][0]
    rare = next(n for n, c in sorted(names.items(), key=lambda kv: kv[1]) if len(n) >= 3)
    return {"common": common, "rare": rare}


def urls(terms: dict[str, str]) -> dict[str, str]:
    return {
        "home": "/portal/",
        "experts_common": "/portal/experts/?" + urlencode({"q": terms["common"]}),
        "experts_rare": "/portal/experts/?" + urlencode({"q": terms["rare"]}),
        "experts_all": "/portal/experts/",
        "api_common": "/api/v1/public/experts/?" + urlencode({"q": terms["common"]}),
        "news": "/portal/news/",
    }


def measure_pages(terms: dict[str, str], runs: int) -> dict:
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings

    out: dict = {}
    # the anonymous API throttle would refuse a bench's request rate
    with override_settings(REST_FRAMEWORK={**_rest(), "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None}}):
        for key, url in urls(terms).items():
            client = Client()

            def get(url: str = url, client: Client = client) -> None:
                resp = client.get(url)
                assert resp.status_code == 200, (url, resp.status_code)

            def cold(url: str = url) -> None:
                cache.clear()
                get(url)

            out[key] = {"cold": summarize(repeat(cold, runs)), "warm": summarize(repeat(get, runs))}
            log(f"  {key}: cold p95 {out[key]['cold']['p95_ms']:.1f} ms, warm p95 {out[key]['warm']['p95_ms']:.1f} ms")
    return out


def _rest() -> dict:
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


def build_peer() -> dict:
    """The peer's index: one stored tsvector per public profile (the same tokens: ``search_text``), GIN."""
    from django.db import connection

    from bench.common import Stopwatch

    with Stopwatch() as sw, connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {PEER_TABLE}")
        cur.execute(f"CREATE TABLE {PEER_TABLE} AS SELECT id, to_tsvector('simple', search_text) AS tsv "
                    "FROM people_person WHERE public_profile AND deleted_at IS NULL AND merged_into_id IS NULL")
        cur.execute(f"CREATE INDEX {PEER_TABLE}_gin ON {PEER_TABLE} USING gin (tsv)")
        cur.execute(f"ANALYZE {PEER_TABLE}")
        cur.execute(f"SELECT count(*) FROM {PEER_TABLE}")
        rows = cur.fetchone()[0]
    return {"rows": rows, "build_seconds": round(sw.seconds, 1)}


def peer_vs_ours(terms: dict[str, str], runs: int) -> dict:
    """One result page (20 rows with the card fields) and its capped count, ours (the ORM query of the page) and
    the peer's (ts_rank order), on the same profiles and tokens."""
    from django.db import connection

    from kexie.core.search import query_tokens
    from kexie.portal import experts

    out: dict = {}
    for which in ("common", "rare"):
        term = terms[which]
        tokens = " ".join(query_tokens(term))

        def ours(term: str = term) -> None:
            qs = experts.search(experts.Filters(q=term))
            rows = list(qs[: experts.PER_PAGE])
            [experts.card(p) for p in rows]
            qs.order_by()[: experts.CAP + 1].count()

        def peer(tokens: str = tokens) -> None:
            with connection.cursor() as cur:
                cur.execute(
                    f"SELECT p.id, p.name, p.title, p.employer_name, p.expertise, p.bio FROM people_person p JOIN "
                    f"(SELECT id, ts_rank(tsv, q) AS r FROM {PEER_TABLE}, plainto_tsquery('simple', %s) q "
                    f"WHERE tsv @@ q ORDER BY r DESC, id DESC LIMIT %s) t ON t.id = p.id ORDER BY t.r DESC",
                    [tokens, experts.PER_PAGE])
                cur.fetchall()
                cur.execute(f"SELECT count(*) FROM (SELECT 1 FROM {PEER_TABLE} WHERE tsv @@ "
                            f"plainto_tsquery('simple', %s) LIMIT %s) s", [tokens, experts.CAP + 1])
                cur.fetchone()

        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {PEER_TABLE} WHERE tsv @@ plainto_tsquery('simple', %s)", [tokens])
            hits = cur.fetchone()[0]
        o, p = summarize(repeat(ours, runs)), summarize(repeat(peer, runs))
        out[which] = {"term": term, "hits": hits, "ours": o, "peer": p, "p50_peer_over_ours": ratio(p["p50_ms"],
                                                                                                     o["p50_ms"])}
        log(f"  {which} ({term}, {hits} hits): ours p50 {o['p50_ms']:.1f} ms, peer p50 {p['p50_ms']:.1f} ms")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-prepare", action="store_true")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "portal", verbosity=0)
    result: dict = {"backend": connection.vendor, "loadavg": {"start": os.getloadavg()},
                    "cpu_start": os.times()}
    if not args.no_prepare:
        result["prepared"] = prepare()
    terms = pick_terms()
    result["terms"] = terms
    log(f"pages, anonymous ({args.runs} timed requests each after 3 warm-ups); terms {terms}")
    result["pages"] = measure_pages(terms, args.runs)
    if connection.vendor == "postgresql":
        log("peer: PostgreSQL tsvector + GIN + ts_rank on the same public profiles")
        result["peer_index"] = build_peer()
        result["peer"] = peer_vs_ours(terms, args.runs)
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {PEER_TABLE}")
    result["loadavg"]["end"] = os.getloadavg()
    t0, t1 = result.pop("cpu_start"), os.times()
    result["cpu_seconds"] = round((t1.user - t0.user) + (t1.system - t0.system), 1)

    rows = [[k, v["cold"]["p50_ms"], v["cold"]["p95_ms"], v["warm"]["p50_ms"], v["warm"]["p95_ms"]]
            for k, v in result["pages"].items()]
    print(table(["page", "cold p50 ms", "cold p95 ms", "warm p50 ms", "warm p95 ms"], rows))
    if "peer" in result:
        print()
        print(table(["term", "hits", "ours p50", "ours p95", "peer p50", "peer p95", "peer/ours p50"], [
            [f"{w} ({v['term']})", v["hits"], v["ours"]["p50_ms"], v["ours"]["p95_ms"], v["peer"]["p50_ms"],
             v["peer"]["p95_ms"], v["p50_peer_over_ours"]] for w, v in result["peer"].items()]))
    print(f"\npublic profiles {result.get('prepared', {}).get('public_people', '?')} of "
          f"{result.get('prepared', {}).get('people', '?')} people; load {result['loadavg']}; "
          f"CPU {result['cpu_seconds']} s")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=1, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
