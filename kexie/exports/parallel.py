"""Large CSV exports written by several processes (decision 0033): the list is cut into slices of about
equal size by primary key (``split`` of the kind), each slice is written by its own process as a CSV part, and
the parts are joined in order behind the header, so the file holds exactly the rows, in the order, of the
export written by one process.

The job's process writes the first slice itself; each other slice goes to a worker started as
``python -m kexie.exports.parallel`` (a new interpreter, never a fork of a process holding database
connections; it opens its own connection and closes it). The worker is started before the slices are
computed so that its start-up overlaps that query; it reads its settings and its slice as one JSON line on
standard input (nothing secret goes on the command line or into the environment) and answers with one JSON
line on standard output. Every process adds its own rows to the job's ``rows_done`` (an ``F()`` increment)
every ``progress_rows()`` rows, so the progress page counts all of them.

Workers need the rows to be visible from another connection: inside a transaction (a test, or a job run from
an ``on_commit`` hook of an outer atomic block) or on an in-memory SQLite database, the slices are written one
after the other in the job's process by the same code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

PART_MODULE = "kexie.exports.parallel"


def workers() -> int:
    """Processes per large CSV export (``KEXIE_EXPORT_WORKERS``; default: the machine's cores, at most 2)."""
    from django.conf import settings

    value = getattr(settings, "KEXIE_EXPORT_WORKERS", None)
    if value is None:
        value = min(2, os.cpu_count() or 1)
    return max(1, int(value))


def parallel_rows() -> int:
    """CSV exports of at least this many rows are written by ``workers()`` processes."""
    from django.conf import settings

    return max(2, int(getattr(settings, "KEXIE_EXPORT_PARALLEL_ROWS", 200_000)))


def applies(loader: Any, fmt: str, total: int) -> bool:
    """Whether an export of ``total`` rows in ``fmt`` by the kind's ``rows`` is written in slices."""
    return fmt == "csv" and bool(getattr(loader, "partitioned", False)) and workers() > 1 and total >= parallel_rows()


def processes_possible(alias: str = "default") -> bool:
    """Whether another process sees the rows this one sees: not inside a transaction, not in-memory SQLite."""
    from django.db import connections

    conn = connections[alias]
    if conn.in_atomic_block:
        return False
    return not (conn.vendor == "sqlite" and conn.is_in_memory_db())  # type: ignore[attr-defined]


def _counted(job_id: int, rows: Iterable[Sequence[Any]], every: int) -> Iterator[Sequence[Any]]:
    """The rows, adding each ``every`` of them to the job's ``rows_done`` (with the heartbeat)."""
    from django.db.models import F
    from django.utils import timezone

    from kexie.exports.models import ExportJob

    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending >= every:
            ExportJob.objects.filter(pk=job_id).update(rows_done=F("rows_done") + pending, beat_at=timezone.now())
            pending = 0


def write_part(spec: dict[str, Any], out: IO[bytes], headers: Sequence[str] | None) -> int:
    """One slice of the export into ``out`` (with ``headers`` and the byte order mark for the first): the
    kind's ``rows`` with the owner's current scope, limited to ``spec["part"]``."""
    from django.contrib.auth import get_user_model

    from kexie.core.export import write_csv
    from kexie.exports.services import kind_of

    user = get_user_model().objects.get(pk=spec["user"])
    loader = kind_of(spec["kind"]).load()
    _headers, _total, rows = loader(user, spec["params"], ip=spec["ip"], part=tuple(spec["part"]))
    return write_csv(out, headers, _counted(spec["job"], rows, int(spec["every"])))


def _start_worker(stderr: IO[bytes]) -> subprocess.Popen[bytes]:
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    env.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    return subprocess.Popen([sys.executable, "-m", PART_MODULE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=stderr, env=env, close_fds=True)


def _worker_config(alias: str = "default") -> dict[str, Any]:
    """What a worker needs of this process's settings: the database (a test database included) and the keys
    that open the values, and the language of the labels."""
    from django.conf import settings
    from django.db import connections
    from django.utils import translation

    return {"databases": {"default": dict(connections[alias].settings_dict)},
            "settings": {"PII_KEY": settings.PII_KEY, "PII_OLD_KEYS": list(settings.PII_OLD_KEYS)},
            "language": translation.get_language() or settings.LANGUAGE_CODE}


def write(job: Any, user: Any, kind: Any, params: dict[str, Any], headers: Sequence[str], total: int,
          path: str) -> int:
    """Write the export of ``total`` rows into ``path`` (CSV) in ``workers()`` slices; returns the rows
    written. Raises RuntimeError when a worker fails (its error is in the log)."""
    import logging

    from kexie.exports.services import progress_rows

    log = logging.getLogger(__name__)
    loader = kind.load()
    module = sys.modules[loader.__module__]
    count = workers()
    separate = processes_possible()
    children: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []
    part_paths: list[str] = []
    try:
        if separate:
            for _i in range(count - 1):
                err: IO[bytes] = tempfile.TemporaryFile()
                children.append((_start_worker(err), err))
        slices = module.split(user, params, total, count)
        specs = [{"job": job.pk, "user": user.pk, "kind": kind.code, "params": params, "ip": job.ip,
                  "part": list(part), "every": progress_rows()} for part in slices]
        for _spec in specs[1:]:
            fd, part_path = tempfile.mkstemp(prefix=f"{job.pk}-part-", suffix=".csv", dir=os.path.dirname(path))
            os.close(fd)
            part_paths.append(part_path)
        if separate:
            config = _worker_config()
            for i, (child, _err) in enumerate(children):
                spec = dict(specs[i + 1], path=part_paths[i]) if i + 1 < len(specs) else None
                assert child.stdin is not None
                child.stdin.write(json.dumps({"config": config, "spec": spec}, default=str).encode() + b"\n")
                child.stdin.close()
        with open(path, "wb") as out:
            written = write_part(specs[0], out, headers)
        if not separate:
            for spec, part_path in zip(specs[1:], part_paths, strict=True):
                with open(part_path, "wb") as part_out:
                    written += write_part(spec, part_out, None)
        for child, child_err in children:
            assert child.stdout is not None
            answer = child.stdout.read()  # one short line; the errors go to a file, so no pipe fills up
            child.wait()
            if child.returncode != 0:
                child_err.seek(0)
                log.error("export worker for job %s failed:\n%s", job.pk, child_err.read()[-4000:].decode(errors="replace"))
                raise RuntimeError(f"export worker exited with {child.returncode}")
            if answer.strip():
                written += int(json.loads(answer)["rows"])
        with open(path, "ab") as joined:
            for part_path in part_paths:
                with open(part_path, "rb") as part:
                    shutil.copyfileobj(part, joined, 1 << 20)
        return written
    finally:
        for child, child_err in children:
            if child.poll() is None:
                child.kill()
                child.wait()
            child_err.close()
        for part_path in part_paths:
            if os.path.exists(part_path):
                os.unlink(part_path)


def main() -> int:
    """A worker: one JSON line on stdin (``config``, ``spec``), one JSON line on stdout (``rows``)."""
    import django.db.models  # noqa: F401 - the imports before the slice arrives, so that start-up overlaps it

    import kexie.core.crypto  # noqa: F401

    line = sys.stdin.readline()
    if not line.strip():
        return 2
    message = json.loads(line)
    spec = message.get("spec")
    if spec is None:  # fewer slices than workers (a short list): nothing to do
        print(json.dumps({"rows": 0}), flush=True)
        return 0
    config = message["config"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    from django.conf import settings

    settings.DATABASES = config["databases"]  # before setup: no connection exists yet
    for name, value in config["settings"].items():
        setattr(settings, name, value)
    django.setup()
    from django.db import connections
    from django.utils import translation

    try:
        translation.activate(config["language"])
        with open(spec["path"], "wb") as out:
            rows = write_part(spec, out, None)
    finally:
        connections.close_all()
    print(json.dumps({"rows": rows}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
