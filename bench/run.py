"""``make bench``: seeding throughput (bulk vs per-row ORM) and people list/search latency,
SQLite and PostgreSQL side by side in one run.

    .venv/bin/python bench/run.py                      # 1,000,000 people, both backends
    .venv/bin/python bench/run.py --quick              # 20,000 people smoke run
    .venv/bin/python bench/run.py --backends postgresql --people 200000 --out var/bench/pg.json

Each backend runs in its own subprocess (``bench/worker.py``) on a fresh database: SQLite under
``var/bench/sqlite/``, PostgreSQL database ``kexie_bench`` (dropped and re-created; URL from
``--pg-url`` or ``KEXIE_BENCH_PG_URL``). Progress goes to stderr, the tables to stdout.

Both workers run on one copy of ``kexie/`` and ``bench/`` taken at the start (``var/bench/src/``,
``--no-snapshot`` to run the working tree), so edits made while a long run is under way do not
leave the two backends measuring different code; the copy's content hash is in the results.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, log  # noqa: E402
from bench.report import render  # noqa: E402

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/kexie_bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="20,000 people, ORM sample 2,000")
    parser.add_argument("--orm-sample", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per URL and user")
    parser.add_argument("--naive-runs", type=int, default=30)
    parser.add_argument("--no-analyze", action="store_true", help="skip ANALYZE after seeding")
    parser.add_argument("--pg-url", default=os.environ.get("KEXIE_BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--no-snapshot", action="store_true", help="run the working tree, not a copy")
    parser.add_argument("--out", help="write the results as JSON to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.people, args.orm_sample = 20_000, 2000

    with run_lock():
        return _run(args, argv)


@contextlib.contextmanager
def run_lock():
    """One bench run at a time: runs share ``var/bench/`` and the ``kexie_bench`` database, and two
    runs on two cores would also time each other."""
    path = ROOT / "var" / "bench" / ".lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raise SystemExit(f"another bench run holds {path} ({fh.read().strip()}); wait for it to finish") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {dt.datetime.now():%H:%M:%S}")
        fh.flush()
        yield


def _run(args, argv) -> int:
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    src, code_hash = (ROOT, "working tree") if args.no_snapshot else snapshot()
    results = {"started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
               "command": " ".join([".venv/bin/python bench/run.py", *(argv or sys.argv[1:])]),
               "machine": machine(), "people": args.people, "code": code_hash, "backends": {}}
    failed = []
    for backend in backends:
        log(f"=== {backend}: {args.people:,} people ===")
        try:
            results["backends"][backend] = run_backend(backend, args, src)
        except subprocess.CalledProcessError as exc:
            log(f"!!! {backend} worker failed (exit {exc.returncode}); see the traceback above")
            failed.append(backend)
    if not results["backends"]:
        return 1
    results["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    print(render(results))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        log(f"results written to {args.out}")
    return 1 if failed else 0


def snapshot() -> tuple[Path, str]:
    """Copy ``kexie/`` and ``bench/`` to ``var/bench/src/``; return it and a hash of ``kexie/``."""
    dest = ROOT / "var" / "bench" / "src"
    shutil.rmtree(dest, ignore_errors=True)
    for pkg in ("kexie", "bench"):
        shutil.copytree(ROOT / pkg, dest / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    digest = hashlib.sha256()
    for f in sorted(p for p in (dest / "kexie").rglob("*") if p.is_file()):
        digest.update(str(f.relative_to(dest)).encode() + b"\0" + f.read_bytes())
    log(f"code snapshot {dest} (kexie/ sha256 {digest.hexdigest()[:12]})")
    return dest, "kexie/ sha256 " + digest.hexdigest()[:12]


def run_backend(backend: str, args, src: Path) -> dict:
    var_dir = ROOT / "var" / "bench" / backend
    shutil.rmtree(var_dir, ignore_errors=True)
    (var_dir / "static").mkdir(parents=True)
    if backend == "sqlite":
        url = f"sqlite:///{var_dir / 'kexie_bench.sqlite3'}"
    elif backend == "postgresql":
        url = args.pg_url
        recreate_pg(url)
    else:
        raise SystemExit(f"unknown backend {backend!r} (sqlite, postgresql)")
    env = {**os.environ, "DATABASE_URL": url, "KEXIE_VAR_DIR": str(var_dir),
           "DJANGO_SETTINGS_MODULE": "kexie.settings", "PYTHONPATH": str(src)}
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = fh.name
    cmd = [sys.executable, "-m", "bench.worker", "--people", str(args.people), "--orm-sample",
           str(args.orm_sample), "--runs", str(args.runs), "--naive-runs", str(args.naive_runs), "--out", out]
    if args.no_analyze:
        cmd.append("--no-analyze")
    subprocess.run(cmd, cwd=src, env=env, check=True)
    data = json.loads(Path(out).read_text(encoding="utf-8"))
    os.unlink(out)
    return data


def recreate_pg(url: str) -> None:
    """Drop and create the benchmark database (its name must start with ``kexie_bench``)."""
    import psycopg
    from psycopg import sql

    info = psycopg.conninfo.conninfo_to_dict(url.replace("postgres://", "postgresql://", 1))
    name = info.get("dbname", "")
    if not name.startswith("kexie_bench"):
        raise SystemExit(f"refusing to drop database {name!r}: the name must start with kexie_bench")
    admin = psycopg.conninfo.make_conninfo(url.replace("postgres://", "postgresql://", 1), dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def machine() -> dict:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory": mem, "cpu": cpu, "python": sys.version.split()[0]}


if __name__ == "__main__":
    sys.exit(main())
