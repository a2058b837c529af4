"""The census page (/census/) both ways, side by side on one database: counted live (one GROUP BY over
the scoped people) against the precomputed summary (``CensusCount`` rows per organisation). Times the
full request through ``django.test.Client`` for a province user and a city user, unfiltered and
filtered, and prints the ratio. Runs alone against an existing, seeded database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kexie_census .venv/bin/python bench/census.py
    … bench/census.py --refresh          # rebuild the summary first (and time it)
    … bench/census.py --runs 10 --live-runs 3 --json var/bench/census.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Stopwatch, log, ratio, repeat, summarize, table  # noqa: E402

USERS = ("demo-province", "demo-city-a")
QUERIES = {"all": "", "title": "?title_level=senior", "discipline": "?discipline=520"}
ALWAYS_LIVE = 10**12  # KEXIE_CENSUS_LIVE_MAX: every scope counted live
NEVER_LIVE = 0  # every scope from the summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed requests per URL with the summary")
    parser.add_argument("--live-runs", type=int, default=3, help="timed requests per URL counted live")
    parser.add_argument("--refresh", action="store_true", help="rebuild the summary before timing")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()  # responses carry their template context (which way was counted, the total)

    from kexie.accounts.models import User
    from kexie.census.models import CensusState
    from kexie.census.services import refresh
    from kexie.people.models import Person

    result: dict = {"backend": connection.vendor, "people": Person.objects.alive().count(), "pages": {}}
    if args.refresh or not CensusState.objects.exists():
        log("rebuilding the census summary …")
        with Stopwatch() as sw:
            state = refresh()
        result["refresh_seconds"] = round(sw.seconds, 1)
        log(f"  {state.rows:,} rows in {sw.seconds:.1f} s")
    state = CensusState.objects.get()
    result["summary_rows"] = state.rows
    result["summary_built_seconds"] = state.seconds

    rows = []
    for username in USERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for key, query in QUERIES.items():
            url = "/census/" + query
            stats = {}
            for way, live_max, runs in (("live", ALWAYS_LIVE, args.live_runs), ("summary", NEVER_LIVE, args.runs)):
                with override_settings(KEXIE_CENSUS_LIVE_MAX=live_max):
                    def get(url=url, client=client, way=way):
                        resp = client.get(url)
                        assert resp.status_code == 200, (url, resp.status_code)
                        assert resp.context["census"].method == way, (url, way)
                        return resp.context["census"].total

                    totals = {get()}
                    stats[way] = summarize(repeat(get, runs, warmups=1))
                    stats[way]["total"] = totals.pop()
            assert stats["live"]["total"] == stats["summary"]["total"], (url, stats)
            result["pages"][f"{username} {key}"] = stats
            rows.append([username, key, stats["live"]["total"], stats["live"]["p50_ms"], stats["summary"]["p50_ms"],
                         stats["summary"]["p95_ms"], ratio(stats["live"]["p50_ms"], stats["summary"]["p50_ms"])])
            log(f"  {username:<14} {key:<10} live p50 {stats['live']['p50_ms']:>8.1f} ms   "
                f"summary p50 {stats['summary']['p50_ms']:>7.1f} ms")

    print(f"\n/census/ on {result['backend']}, {result['people']:,} live people, "
          f"summary {result['summary_rows']:,} rows (built in {result['summary_built_seconds']} s)\n")
    print(table(["user", "filter", "people", "live p50 ms", "summary p50 ms", "summary p95 ms", "live / summary"],
                rows))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
