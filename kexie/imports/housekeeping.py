"""Import housekeeping (decision 0018): the watchdog that gives up imports whose process died, and the
deletion of uploads and error workbooks (they hold personal data in clear) ``KEXIE_IMPORT_FILE_DAYS`` after
the import. Both run in ``kexie daily``; the watchdog also when a worker starts and when staff look."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action
from kexie.core.services import SYSTEM
from kexie.imports.files import file_days, last_beat, progress_path, stale_minutes
from kexie.imports.models import FINISHED, BatchStatus, ImportBatch


def interrupted_message() -> str:
    return _("导入进程中断，未写入任何数据，请重试。")


def recover_interrupted(batch_ids: Iterable[int] | None = None, now: dt.datetime | None = None) -> int:
    """Mark running batches whose process has died (no heartbeat for ``stale_minutes()``) as failed.
    Nothing of theirs was written: an import writes in one transaction, and a batch becomes DONE only
    inside it (``_claim_done``), which checks that the batch is still running. Called by the daily job,
    by a worker before it runs an import, and when staff look at the batches."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=stale_minutes())
    running = ImportBatch.objects.filter(status=BatchStatus.RUNNING, started_at__lt=cutoff)
    if batch_ids is not None:
        running = running.filter(pk__in=list(batch_ids))
    n = 0
    for batch in running.order_by("pk"):
        beat = last_beat(batch)
        if beat is not None and beat >= cutoff:
            continue
        message = interrupted_message()
        report = {**(batch.report or {}), "interrupted": True, "last_beat": beat.isoformat() if beat else None}
        if not ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.RUNNING).update(
                status=BatchStatus.FAILED, message=message, finished_at=now, progress=100, created=0, updated=0,
                error_count=1, errors=[{"row": 0, "column": "", "message": message}], report=report):
            continue
        n += 1
        log_action(SYSTEM, "imports.importbatch.interrupted", batch, scope_path=batch.org_path,
                   extra={"file": batch.file_name, "last_beat": report["last_beat"]})
        try:
            progress_path(batch).unlink()
        except OSError:
            pass
    return n



def purge_files(now: dt.datetime | None = None) -> dict[str, int]:
    """Delete uploaded files and error workbooks ``file_days()`` after their import finished (dry runs,
    failures and rolled-back batches alike); the batch keeps its counts, messages and rollback record.
    A batch still queued after that long is given up. Files under ``MEDIA_ROOT/imports`` that no batch
    refers to (a batch deleted, an upload whose batch was never saved) go after the same time."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=file_days())
    old = ImportBatch.objects.filter(file_removed_at__isnull=True).filter(
        models.Q(status__in=FINISHED, finished_at__lt=cutoff) | models.Q(status=BatchStatus.QUEUED, queued_at__lt=cutoff))
    storage = ImportBatch.file.field.storage
    batches = files = 0
    for batch in old.order_by("pk").iterator(chunk_size=500):
        fields: dict[str, Any] = {"file": "", "error_file": "", "file_removed_at": now}
        match = ImportBatch.objects.filter(pk=batch.pk, file_removed_at__isnull=True, status=batch.status)
        if batch.status == BatchStatus.QUEUED:
            fields.update(status=BatchStatus.FAILED, finished_at=now, progress=100,
                          message=_("排队超过 %(days)s 天仍未执行，已取消；上传的文件已删除，请重新上传。")
                          % {"days": file_days()})
        if not match.update(**fields):
            continue
        for name in (batch.file.name, batch.error_file.name):
            if name and storage.exists(name):
                storage.delete(name)
                files += 1
        batches += 1
        log_action(SYSTEM, "imports.importbatch.files_removed", batch, scope_path=batch.org_path,
                   extra={"file": batch.file_name, "days": file_days()})
    files += _sweep_orphans(cutoff)
    return {"batches": batches, "files": files}


def _sweep_orphans(cutoff: dt.datetime) -> int:
    root = Path(settings.MEDIA_ROOT) / "imports"
    if not root.is_dir():
        return 0
    keep: set[str] = set()
    for names in ImportBatch.objects.filter(file_removed_at__isnull=True).values_list("file", "error_file"):
        keep.update(n for n in names if n)
    limit = cutoff.timestamp()
    n = 0
    for path in root.rglob("*"):
        try:
            if not path.is_file() or path.stat().st_mtime >= limit:
                continue
        except OSError:
            continue
        if Path(path).relative_to(settings.MEDIA_ROOT).as_posix() not in keep:
            path.unlink(missing_ok=True)
            n += 1
    return n
