"""One backend, one fresh database: migrate, seed (bulk vs ORM), then time the people pages.
Started by ``bench/run.py`` with ``DATABASE_URL`` and ``KEXIE_VAR_DIR`` set; writes JSON to --out."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys

from bench.common import Stopwatch, log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, required=True)
    parser.add_argument("--orm-sample", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--naive-runs", type=int, default=30)
    parser.add_argument("--no-analyze", action="store_true")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import people_pages, seeding

    vendor = connection.vendor
    result: dict = {"backend": vendor, "people": args.people, "python": platform.python_version(),
                    "loadavg": {"start": os.getloadavg()}}
    log(f"[{vendor}] migrate …")
    with Stopwatch() as sw:
        call_command("migrate", verbosity=0)
    result["migrate_seconds"] = round(sw.seconds, 1)
    result["db_version"] = _db_version(connection)

    log(f"[{vendor}] seeding {args.people:,} people (ORM sample {args.orm_sample:,}) …")
    result["seeding"] = seeding.seed_and_measure(args.people, args.orm_sample)

    result["analyzed"] = not args.no_analyze
    if not args.no_analyze:
        with Stopwatch() as sw, connection.cursor() as cur:
            cur.execute("ANALYZE")
        result["analyze_seconds"] = round(sw.seconds, 1)
        log(f"[{vendor}] ANALYZE in {sw.seconds:.1f} s")
    result["db_bytes"] = _db_bytes(connection)
    result["loadavg"]["after_seeding"] = os.getloadavg()

    terms = people_pages.pick_terms()
    result["terms"] = terms
    log(f"[{vendor}] pages ({args.runs} timed requests each after 3 warm-ups); terms {terms}")
    result["pages"] = people_pages.measure_pages(terms, args.runs)
    log(f"[{vendor}] indexed search vs naive LIKE scan ({args.naive_runs} runs each)")
    result["search_vs_naive"] = people_pages.search_vs_naive(terms, args.naive_runs)
    result["loadavg"]["end"] = os.getloadavg()

    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=1, default=str)
    return 0


def _db_version(connection) -> str:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SHOW server_version")
            return "PostgreSQL " + cur.fetchone()[0]
        cur.execute("SELECT sqlite_version()")
        return "SQLite " + cur.fetchone()[0]


def _db_bytes(connection) -> int:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_database_size(current_database())")
        else:
            cur.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        return int(cur.fetchone()[0])


if __name__ == "__main__":
    sys.exit(main())
