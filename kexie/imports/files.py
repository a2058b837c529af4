"""Import settings read per call, and the small progress file beside an upload: its content is the progress
bar's (the batch row cannot be seen by other connections until the import's transaction commits), its
modification time the heartbeat the watchdog reads (decision 0018)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from django.conf import settings

from kexie.imports.models import ImportBatch


def inline_limit() -> int:
    """Files that unpack to at most this many bytes (and have at most ``inline_rows()`` rows) run within
    the request; larger ones as a background task."""
    return int(getattr(settings, "KEXIE_IMPORT_INLINE_BYTES", 1024 * 1024))


def inline_rows() -> int:
    return int(getattr(settings, "KEXIE_IMPORT_INLINE_ROWS", 5000))


def file_days() -> int:
    """Uploaded files and error workbooks are deleted this many days after the import."""
    return int(getattr(settings, "KEXIE_IMPORT_FILE_DAYS", 7))


def stale_minutes() -> int:
    """A running import whose heartbeat is older than this is taken for dead."""
    return int(getattr(settings, "KEXIE_IMPORT_STALE_MINUTES", 10))


def progress_path(batch: ImportBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{batch.pk}.json"


def write_progress(batch: ImportBatch, done: int, total: int) -> None:
    path = progress_path(batch)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"done": done, "total": total}))
    os.replace(tmp, path)


def progress_of(batch: ImportBatch) -> dict[str, int]:
    """{"percent", "done", "total"}: from the side file while running, from the row when finished."""
    if batch.is_finished:
        return {"percent": 100, "done": batch.total_rows, "total": batch.total_rows}
    try:
        data = json.loads(progress_path(batch).read_text())
    except (OSError, ValueError):
        return {"percent": 0, "done": 0, "total": 0}
    total = max(data["total"], data["done"], 1)
    return {"percent": min(99, int(data["done"] * 100 / total)), "done": data["done"], "total": data["total"]}


def last_beat(batch: ImportBatch) -> dt.datetime | None:
    """When the process running the batch was last known alive: its heartbeat, else its start."""
    try:
        mtime = progress_path(batch).stat().st_mtime
    except OSError:
        return batch.started_at
    beat = dt.datetime.fromtimestamp(mtime, tz=dt.UTC)
    return max(beat, batch.started_at) if batch.started_at else beat
