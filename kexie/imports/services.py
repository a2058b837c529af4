"""Import batches: create (scope-checked), run (one transaction, atomic), retry; rollback is in
``rollback.py``, the watchdog and the file retention in ``housekeeping.py`` (re-exported here).

``run_batch`` streams the file through the row validator into the kind's importer a chunk at a
time inside one transaction. Any error anywhere means the transaction is rolled back and the staff
get the error workbook; a dry run never writes. Progress goes to a small JSON file beside the
upload (``files.py``), because the batch row itself cannot be seen by others until the transaction
commits; its modification time is also the heartbeat that the watchdog (``recover_interrupted``) reads.

The kinds are the ones the apps declare (``ImportKind``, ``kexie.imports.kinds``): an unknown kind is
refused, and a batch needs ``imports.change`` and the kind's own module action on its target.

Files hold personal data in clear: ``create_batch`` refuses files over the limits before anything is
stored, ``purge_files`` deletes uploads and error workbooks after ``KEXIE_IMPORT_FILE_DAYS``, and
every download of an error workbook is logged as an access to personal data (decision 0018).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.census.services import schedule_refresh
from kexie.core.audit import log_action
from kexie.core.models import PiiAccess
from kexie.core.scope import user_can
from kexie.core.services import SYSTEM, require
from kexie.imports import kinds
from kexie.imports.files import (
    file_days,
    inline_limit,
    inline_rows,
    last_beat,
    progress_of,
    progress_path,
    stale_minutes,
    write_progress,
)
from kexie.imports.housekeeping import interrupted_message, purge_files, recover_interrupted
from kexie.imports.models import BatchStatus, ImportBatch, Mode
from kexie.imports.pipeline import InlineWriter, ThreadWriter
from kexie.imports.readers import FileError, inspect, map_headers, max_file_bytes, open_table
from kexie.imports.rollback import references, rollback_batch
from kexie.imports.spec import Spec
from kexie.imports.validate import Context, RowParser
from kexie.imports.workbooks import write_error_workbook
from kexie.orgs.models import Organisation

__all__ = [
    "SYSTEM", "can_download_errors", "create_batch", "file_days", "inline_limit", "inline_rows", "interrupted_message",
    "last_beat", "open_error_file", "progress_of", "progress_path", "purge_files", "recover_interrupted",
    "references", "retry_batch", "rollback_batch", "run_batch", "runs_inline", "stale_minutes", "start_batch",
]

log = logging.getLogger(__name__)

ERRORS_SHOWN = 1000
PROGRESS_EVERY = 2000


def can_import(user: Any, kind: str, path: str) -> bool:
    """``imports.change`` and the kind's own module action (``people.change`` …) on ``path``."""
    declared = kinds.find(kind)
    return (declared is not None and user_can(user, "imports.change", path)
            and user_can(user, declared.action, path))


def runs_inline(batch: ImportBatch) -> bool:
    """Small files run in the request; anything large (in bytes, unpacked bytes or rows) in the worker."""
    return (batch.file_size <= inline_limit() and batch.unpacked_size <= inline_limit()
            and batch.row_estimate <= inline_rows())


@transaction.atomic
def create_batch(actor: Any, *, kind: str, mode: str, target: Organisation, file: Any, file_name: str,
                 dry_run: bool, retry_of: ImportBatch | None = None) -> ImportBatch:
    """Keep the upload under MEDIA_ROOT and record the batch; the target must be in the change scope.
    A file over the limits (size, unpacked size, compression ratio) is refused before anything is stored."""
    declared = kinds.get(kind)  # an unknown kind: ValidationError "不支持的导入内容。"
    if mode not in Mode.values:
        raise ValidationError(_("不支持的已有记录处理方式。"))
    target = Organisation.objects.select_for_update().get(pk=target.pk)
    require(actor, "imports.change", target.path)
    require(actor, declared.action, target.path)
    if target.deleted_at:
        raise ValidationError(_("目标组织已删除，不能导入。"))
    size = getattr(file, "size", None) or os.path.getsize(file.name)
    if size > max_file_bytes():
        raise ValidationError(_("文件大小 %(size)s MB 超过上限 %(max)s MB，请拆分后分批导入。")
                              % {"size": f"{size / 1024**2:.1f}", "max": max_file_bytes() // 1024**2})
    try:
        facts = inspect(file)
    except FileError as exc:
        raise ValidationError(str(exc)) from None
    base = Path(file_name).name[:200] or "upload"
    batch = ImportBatch(kind=kind, mode=mode, dry_run=dry_run, file_name=base, file_size=size,
                        unpacked_size=facts.unpacked, row_estimate=min(facts.rows, 2**31 - 1),
                        actor=actor if getattr(actor, "pk", None) else None, organisation=target,
                        org_path=target.path, retry_of=retry_of)
    suffix = Path(base).suffix.lower()
    batch.file.save(f"upload{suffix if suffix in ('.xlsx', '.xls', '.csv') else ''}", File(file), save=False)
    batch.save()
    return batch


class _Heartbeat:
    """While an import runs, a daemon thread touches its progress file every ``HEARTBEAT_SECONDS``: the
    file's modification time is the proof of life the watchdog reads. A process that dies stops beating
    (and its transaction, holding every write of the import, is rolled back by the database)."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"kexie-import-heartbeat-{batch.pk}", daemon=True)

    def beat(self) -> None:
        path = progress_path(self.batch)
        try:
            if path.exists():
                os.utime(path)
            else:
                write_progress(self.batch, 0, 0)
        except OSError:
            log.warning("import batch %s: cannot write its heartbeat", self.batch.pk)

    def _run(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            self.beat()

    def __enter__(self) -> _Heartbeat:
        self.beat()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


HEARTBEAT_SECONDS = 30.0


def start_batch(batch: ImportBatch) -> ImportBatch:
    """Run now when the file is small, else hand it to the task backend (progress bar in the page):
    a large file, or one that unpacks to much, is never read inside a web request."""
    if runs_inline(batch):
        return run_batch(batch.pk)
    from kexie.imports.tasks import run_import

    run_import.enqueue(batch.pk)
    return batch


class _Discard(Exception):
    """Leaves the transaction so that everything in it is rolled back."""


class _GivenUp(Exception):
    """The watchdog marked the batch failed while it ran: its writes are rolled back, not committed."""


def run_batch(batch_id: int, actor: Any = None) -> ImportBatch:
    """Validate and (unless a dry run or an error is found) write the whole file, atomically."""
    batch = ImportBatch.objects.select_related("organisation__kind", "actor").get(pk=batch_id)
    if batch.status != BatchStatus.QUEUED:
        return batch
    batch.status, batch.started_at = BatchStatus.RUNNING, timezone.now()
    batch.save(update_fields=["status", "started_at"])
    try:
        with _Heartbeat(batch):
            return _run(batch, actor)
    finally:
        try:
            progress_path(batch).unlink()
        except OSError:
            pass


def _run(batch: ImportBatch, actor: Any) -> ImportBatch:
    actor = actor or batch.actor or SYSTEM
    declared = kinds.find(batch.kind)
    spec: Spec = declared.load_spec() if declared is not None else Spec(batch.kind, batch.kind, ())
    ctx = Context(actor, batch.organisation, spec, batch.mode)
    report: dict[str, Any] = {}
    file_error = ""
    importer = None
    rows = 0
    began = time.perf_counter()
    try:
        if declared is None:
            raise FileError(_("不支持的导入内容。"))
        if not can_import(actor, batch.kind, batch.org_path):
            raise PermissionDenied(_("您无权在该组织范围内执行此操作。"))
        if not batch.has_file or not os.path.exists(batch.file.path):
            raise FileError(_("上传的文件已删除（只保存 %(days)s 天），请重新上传。") % {"days": file_days()})
        table = open_table(batch.file.path, spec)
        try:
            mapping = map_headers(table.header, spec)
            report.update(format=table.format, encoding=table.encoding, sheet=table.sheet_name,
                          header_row=table.header_row, unknown_columns=mapping.unknown,
                          columns=[c.header for _, c in mapping.columns])
            parser = RowParser(ctx, mapping.columns, table.header)
            estimate = table.estimated_rows
            write_progress(batch, 0, estimate)
            threaded = (connection.vendor == "postgresql" and not batch.dry_run
                        and estimate >= int(getattr(settings, "KEXIE_IMPORT_THREADED_ROWS", 20_000)))
            writer = ThreadWriter() if threaded else InlineWriter()
            importer = declared.load_importer()(ctx, parser, batch, dry_run=batch.dry_run, writer=writer)
            report["threaded"] = threaded
            gc.freeze()  # what is loaded so far (lookups, caches) is never garbage: keep it out of collections
            with transaction.atomic() if not threaded else nullcontext():
                writer.start()
                try:
                    for rows, (number, cells) in enumerate(table.rows(), start=1):
                        importer.add(number, cells)
                        if rows % PROGRESS_EVERY == 0:
                            write_progress(batch, rows, estimate)
                    importer.finish()
                    if not (ctx.failed or batch.dry_run):
                        writer.submit(_claim_done, batch, importer, rows)
                except BaseException:
                    writer.finish(commit=False)
                    raise
                writer.finish(commit=not (ctx.failed or batch.dry_run))
                if ctx.failed or batch.dry_run:
                    raise _Discard
        finally:
            gc.unfreeze()
            table.close()
    except _Discard:
        pass
    except _GivenUp:
        return ImportBatch.objects.get(pk=batch.pk)
    except FileError as exc:
        file_error = str(exc)
    except PermissionDenied as exc:
        file_error = str(exc)
    except (IntegrityError, DatabaseError) as exc:
        log.exception("import batch %s failed while writing", batch.pk)
        file_error = _("写入数据库时出错，本次导入未做任何更改：%(err)s") % {"err": str(exc).splitlines()[0][:200]}
    elapsed = time.perf_counter() - began
    return _finish(batch, ctx, importer, rows, file_error, report, elapsed)


def _done_message(created: int, updated: int, skipped: int) -> str:
    return _("已导入：新增 %(c)s 条、更新 %(u)s 条、不变 %(s)s 条。") % {"c": created, "u": updated, "s": skipped}


def _claim_done(batch: ImportBatch, importer: Any, rows: int) -> None:
    """Run inside the import's own transaction, as its last write: the batch becomes DONE, with what a
    rollback needs and its audit entry, in the same commit as the rows — and only if the watchdog has
    not given the batch up meanwhile (then everything is rolled back). So a batch marked failed never
    has rows in the registry, and rows in the registry always have a batch that can roll them back."""
    counts = importer.counts
    skipped = counts["skipped"] + counts["unchanged"]
    fields = {"status": BatchStatus.DONE, "created_ids": importer.created_ids, "created": counts["created"],
              "updated": counts["updated"], "skipped": skipped, "total_rows": rows, "progress": 100,
              "finished_at": timezone.now(), "message": _done_message(counts["created"], counts["updated"], skipped)}
    if not ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.RUNNING).update(**fields):
        raise _GivenUp
    log_action(batch.actor, "imports.importbatch.applied", batch, scope_path=batch.org_path,
               extra={"kind": batch.kind, "mode": batch.mode, "file": batch.file_name, "created": counts["created"],
                      "updated": counts["updated"], "skipped": skipped, "created_ids": importer.created_ids})


def _finish(batch: ImportBatch, ctx: Context, importer: Any, rows: int, file_error: str, report: dict[str, Any],
            elapsed: float) -> ImportBatch:
    counts = importer.counts if importer is not None else {"created": 0, "updated": 0, "skipped": 0, "unchanged": 0}
    done = not (file_error or ctx.failed or batch.dry_run)
    if not done and not ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.RUNNING).exists():
        return ImportBatch.objects.get(pk=batch.pk)  # given up by the watchdog meanwhile; nothing was written
    batch.total_rows = rows
    batch.created, batch.updated = counts["created"], counts["updated"]
    batch.skipped = counts["skipped"] + counts["unchanged"]
    batch.error_count = ctx.error_count + (1 if file_error else 0)
    batch.errors = [{"row": r, "column": c, "message": m} for r, c, m in ctx.errors[:ERRORS_SHOWN]]
    if file_error:
        batch.errors.insert(0, {"row": 0, "column": "", "message": file_error})
    report.update(skipped_by_mode=counts["skipped"], unchanged=counts["unchanged"], seconds=round(elapsed, 2),
                  rows_per_second=int(rows / elapsed) if elapsed and rows else 0,
                  samples=importer.samples if importer is not None else {})
    batch.report = report
    batch.progress = 100
    batch.finished_at = timezone.now()
    failed = bool(file_error) or ctx.failed
    if failed:
        batch.status = BatchStatus.FAILED
        batch.message = (file_error or _("发现 %(n)s 处错误，本次导入未做任何更改。请下载错误文件，修改后重新上传。")
                         % {"n": ctx.error_count})[:500]
        if ctx.errors:
            _save_error_workbook(batch, ctx)
    elif batch.dry_run:
        batch.status = BatchStatus.CHECKED
        batch.message = _("试导入完成：将新增 %(c)s 条、更新 %(u)s 条、不变 %(s)s 条。") % {
            "c": batch.created, "u": batch.updated, "s": batch.skipped}
    else:
        batch.status = BatchStatus.DONE
        batch.created_ids = importer.created_ids
        batch.message = _done_message(batch.created, batch.updated, batch.skipped)
    if failed and not batch.dry_run:
        batch.created = batch.updated = 0
        report["would_create"], report["would_update"] = counts["created"], counts["updated"]
    batch.save()
    declared = kinds.find(batch.kind)
    if (batch.status == BatchStatus.DONE and declared is not None and declared.census
            and (batch.created or batch.updated)):
        schedule_refresh()
    return batch


def _save_error_workbook(batch: ImportBatch, ctx: Context) -> None:
    spec = kinds.spec(batch.kind)
    path = Path(settings.MEDIA_ROOT) / "imports" / "errors" / f"{batch.pk}-errors.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    table = open_table(batch.file.path, spec)
    try:
        with open(path, "wb") as f:
            write_error_workbook(f, spec, table, ctx.error_rows, ctx.errors)
    finally:
        table.close()
    batch.error_file.name = str(path.relative_to(settings.MEDIA_ROOT))


def can_download_errors(user: Any, batch: ImportBatch) -> bool:
    """The error workbook holds the uploaded rows in full (to be fixed and uploaded again): only the
    person who uploaded them, or someone allowed to see full personal data there, may have it."""
    if batch.actor_id and batch.actor_id == getattr(user, "pk", None):
        return True
    return user_can(user, "people.pii", batch.org_path)


def open_error_file(actor: Any, batch: ImportBatch, ip: str | None = None) -> Any:
    """The error workbook, opened for someone allowed to have it; every download is logged as an
    access to personal data (``PiiAccess``, field ``import_error_file``), since it holds full ID
    numbers and phones. Raises ``FileNotFoundError`` when the file has been deleted."""
    if not can_download_errors(actor, batch):
        raise PermissionDenied(_("错误文件含有完整的个人信息，只有上传人或有权查看完整个人信息的人员可以下载。"))
    if not batch.error_file or batch.file_removed_at:
        raise FileNotFoundError(batch.pk)
    handle = batch.error_file.open("rb")
    PiiAccess.objects.create(user=actor, content_type=ContentType.objects.get_for_model(ImportBatch),
                             object_id=batch.pk, field="import_error_file", ip=ip, scope_path=batch.org_path)
    return handle


@transaction.atomic
def retry_batch(actor: Any, batch: ImportBatch) -> ImportBatch:
    """A new batch from the same file, for a batch whose import process died; the caller starts it."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    require(actor, "imports.change", batch.org_path)
    if not batch.interrupted:
        raise ValidationError(_("只有因导入进程中断而失败的批次可以重试。"))
    again = batch.retries.order_by("pk").first()
    if again is not None:
        raise ValidationError(_("该批次已重试过，见导入批次 #%(pk)s。") % {"pk": again.pk})
    if not batch.has_file or not batch.file.storage.exists(batch.file.name):
        raise ValidationError(_("上传的文件已删除（只保存 %(days)s 天），请重新上传。") % {"days": file_days()})
    target = Organisation.objects.get(pk=batch.organisation_id)
    with batch.file.open("rb") as f:
        new = create_batch(actor, kind=batch.kind, mode=batch.mode, target=target, file=File(f, name=batch.file_name),
                           file_name=batch.file_name, dry_run=batch.dry_run, retry_of=batch)
    log_action(actor, "imports.importbatch.retried", new, scope_path=new.org_path, extra={"retry_of": batch.pk})
    return new
