"""Export throughput (decision 0033): the province people export as kexie's background job runs it, against a
plain openpyxl write-only export of the same rows, in one run on PostgreSQL.

    flock /tmp/bench.lock .venv/bin/python bench/exports.py --pg-url postgres://postgres@127.0.0.1:5432/kexie_bench_x
    .venv/bin/python bench/exports.py --people 20000 --writer-rows 20000      # a quick smoke run

The database named by ``--pg-url`` (its name must start with ``kexie_``) is dropped, created, migrated and
seeded with the tiny province and ``--people`` people, unless ``--reuse`` finds it already seeded with at least
that many. Then, as ``demo-province`` (the whole province, masked values):

1. *query*: ``kexie.exports.kinds.people.rows`` consumed without writing (values_list through a server-side
   cursor, masks from one decryption per value);
2. *writers*: the first ``--writer-rows`` of those rows, held in memory, written by each writer to a file:
   the csv module (what large jobs use), xlsxwriter in constant-memory mode (what smaller jobs and the
   in-request export use), openpyxl write-only (the baseline), and ``rustpy_xlsxwriter`` when it is importable
   (not a dependency: measured only);
3. *job*: ``services.run_job`` end to end for the whole province (format chosen by row count: CSV above
   ``KEXIE_EXPORT_XLSX_ROWS``), progress writes included, file moved into MEDIA_ROOT: ``--repeat`` times with
   one process (``KEXIE_EXPORT_WORKERS=1``) and as many times with ``--workers`` processes writing slices
   (kexie.exports.parallel), alternating; the median of each is printed, and the two files are compared.

Each phase prints wall seconds, CPU seconds of this process and its finished worker processes, rows/s and the
1-minute load average at its end; the ratio column compares rows/s with openpyxl write-only on the same rows
(for a job: against the same query plus openpyxl write-only at its measured pace). Progress to stderr, the
table to stdout."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import log, ratio, table  # noqa: E402

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/kexie_exportbench"


class Phase:
    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> Phase:
        self.t0, self.c0 = time.perf_counter(), self._cpu()
        return self

    @staticmethod
    def _cpu() -> float:  # this process and the worker processes it has waited for
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = self._cpu() - self.c0
        self.load = os.getloadavg()[0]


def _openpyxl(path: str, headers: list[str], rows: list[list[Any]]) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("people")
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)


def _xlsxwriter(path: str, headers: list[str], rows: list[list[Any]]) -> None:
    from kexie.core.export import write_xlsx

    with open(path, "wb") as f:
        write_xlsx(f, "people", headers, rows)


def _csv(path: str, headers: list[str], rows: list[list[Any]]) -> None:
    from kexie.core.export import write_csv

    with open(path, "wb") as f:
        write_csv(f, headers, rows)


def _rustpy(path: str, headers: list[str], rows: list[list[Any]]) -> None:
    import rustpy_xlsxwriter

    keys = [f"{i:02d}{h}" for i, h in enumerate(headers)]  # unique keys for the records it wants
    rustpy_xlsxwriter.write_worksheet(({k: v for k, v in zip(keys, r, strict=True)} for r in rows), path,
                                      sheet_name="people")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--writer-rows", type=int, default=200_000,
                        help="rows each writer writes (the first rows of the export, held in memory)")
    parser.add_argument("--reuse", action="store_true", help="keep a database already seeded with --people")
    parser.add_argument("--user", default="demo-province")
    parser.add_argument("--repeat", type=int, default=3, help="job runs per variant (the median is printed)")
    parser.add_argument("--workers", type=int, default=2, help="processes of the parallel job")
    args = parser.parse_args(argv)

    var_dir = Path(tempfile.mkdtemp(prefix="kexie-exportbench-"))
    os.environ["DATABASE_URL"] = args.pg_url
    os.environ["KEXIE_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    reuse = False
    if args.reuse:
        import psycopg

        try:
            with psycopg.connect(args.pg_url.replace("postgres://", "postgresql://", 1)) as conn:
                have = conn.execute("SELECT count(*) FROM people_person").fetchone()[0]
            reuse = have >= args.people
        except psycopg.Error:
            reuse = False
    if not reuse:
        from bench.imports import recreate_pg

        recreate_pg(args.pg_url)
    import django

    django.setup()
    from django.core.management import call_command

    # A reused database keeps its data as seeded: only this benchmark's own tables are added (other apps'
    # later data migrations over a million rows are not what is measured here).
    call_command("migrate", "exports", verbosity=0) if reuse else call_command("migrate", verbosity=0)
    if not reuse:
        from kexie.demo import generator

        t0 = time.perf_counter()
        log(f"seeding {args.people:,} people …")
        generator.seed("tiny", 1, people=args.people, log=lambda *a, **k: None)
        log(f"seeded in {time.perf_counter() - t0:.0f} s")

    from django.conf import settings

    from kexie.accounts.models import User
    from kexie.exports import services
    from kexie.exports.kinds import people

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    user = User.objects.get(username=args.user)
    results: list[list[object]] = []

    log("query only …")
    with Phase("query") as q:
        headers, total, rows = people.rows(user, {})
        kept: list[list[Any]] = []
        for row in rows:
            if len(kept) < args.writer_rows:
                kept.append(row)
    query_rate = total / q.wall
    log(f"  {total:,} rows in {q.wall:.1f} s")

    writers = [("openpyxl write-only (baseline)", _openpyxl, "xlsx"), ("xlsxwriter constant_memory", _xlsxwriter, "xlsx"),
               ("csv module (kexie write_csv)", _csv, "csv")]
    try:
        import rustpy_xlsxwriter  # noqa: F401

        writers.append(("rustpy_xlsxwriter 0.8 (records)", _rustpy, "xlsx"))
    except ImportError:
        log("rustpy_xlsxwriter not importable: skipped")
    rates: dict[str, float] = {}
    phases: dict[str, Phase] = {}
    for name, fn, ext in writers:
        path = str(var_dir / f"w.{ext}")
        log(f"writer {name} …")
        with Phase(name) as p:
            fn(path, headers, kept)
        rates[name] = len(kept) / p.wall
        phases[name] = p
        size = os.path.getsize(path)
        os.unlink(path)
        log(f"  {len(kept):,} rows in {p.wall:.1f} s ({size / 1e6:.0f} MB)")
    base = rates["openpyxl write-only (baseline)"]
    for name, _fn, _ext in writers:
        p = phases[name]
        results.append([f"writer: {name}", len(kept), round(p.wall, 1), round(p.cpu, 1), round(rates[name]),
                        round(len(kept) / max(p.cpu, 1e-9)), round(p.load, 1), f"×{ratio(rates[name], base):.1f}"])

    import hashlib
    import statistics

    from django.core.files.storage import default_storage

    def job_run(workers: int) -> tuple[Phase, Any, str]:
        settings.KEXIE_EXPORT_WORKERS = workers
        with Phase("job") as j:  # the immediate backend runs the job as start_job's transaction commits
            job = services.start_job(user, "people", {})
            services.run_job(job.pk)  # (a no-op then: the job is no longer queued)
        job.refresh_from_db()
        if job.status != "done":
            raise SystemExit(f"the export job failed: {job.error}")
        digest = hashlib.sha256()
        with default_storage.open(job.file.name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        default_storage.delete(job.file.name)
        return j, job, digest.hexdigest()

    runs: dict[int, list[Phase]] = {1: [], args.workers: []}
    digests: dict[int, set[str]] = {1: set(), args.workers: set()}
    last: dict[int, Any] = {}
    for k in range(args.repeat):
        for workers in (1, args.workers):
            log(f"job end to end, {workers} process(es), run {k + 1}/{args.repeat} …")
            j, job, digest = job_run(workers)
            runs[workers].append(j)
            digests[workers].add(digest)
            last[workers] = job
            log(f"  {job.rows_done:,} rows in {j.wall:.1f} s wall, {j.cpu:.1f} CPU-s, load {j.load:.1f}")
    same = digests[1] == digests[args.workers] and len(digests[1]) == 1
    results.insert(0, ["query only (values_list, masks)", total, round(q.wall, 1), round(q.cpu, 1), round(query_rate),
                       round(total / max(q.cpu, 1e-9)), round(q.load, 1), ""])
    plain_seconds = 0.0
    for workers, phases_ in runs.items():
        job = last[workers]
        wall = statistics.median(p.wall for p in phases_)
        cpu = statistics.median(p.cpu for p in phases_)
        load = statistics.median(p.load for p in phases_)
        # the baseline end to end: the same query, then openpyxl write-only at its measured pace
        plain_seconds = q.wall + job.rows_done / base
        job_rate = job.rows_done / wall
        walls = ", ".join(f"{p.wall:.1f}" for p in phases_)
        results.append([f"job end to end ({job.fmt}, {job.file_size / 1e6:.0f} MB), {workers} process(es), median of "
                        f"{len(phases_)} [{walls}]", job.rows_done, round(wall, 1), round(cpu, 1), round(job_rate),
                        round(job.rows_done / max(cpu, 1e-9)), round(load, 1),
                        f"×{ratio(job_rate, job.rows_done / plain_seconds):.1f}"])
    print(table(["phase", "rows", "wall s", "CPU s", "rows/s", "rows/CPU-s", "load 1m", "vs openpyxl wo"], results))
    print(f"openpyxl write-only end to end (same query + writer pace measured on {len(kept):,} rows): "
          f"{plain_seconds:.0f} s for {last[1].rows_done:,} rows; kexie job median: "
          f"{statistics.median(p.wall for p in runs[1]):.1f} s (1 process), "
          f"{statistics.median(p.wall for p in runs[args.workers]):.1f} s ({args.workers} processes).")
    print(f"files of the serial and the parallel job identical (SHA-256): {'yes' if same else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
