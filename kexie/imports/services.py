"""Import batches: create (scope-checked), run (one transaction, atomic), roll back (audited).

``run_batch`` streams the file through the row validator into the kind's importer a chunk at a
time inside one transaction. Any error anywhere means the transaction is rolled back and the staff
get the error workbook; a dry run never writes. Progress goes to a small JSON file beside the
upload, because the batch row itself cannot be seen by others until the transaction commits; its
modification time is also the heartbeat that the watchdog (``recover_interrupted``) reads.

Files hold personal data in clear: ``create_batch`` refuses files over the limits before anything is
stored, ``purge_files`` deletes uploads and error workbooks after ``KEXIE_IMPORT_FILE_DAYS``, and
every download of an error workbook is logged as an access to personal data (decision 0018).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.census.services import schedule_refresh
from kexie.core.audit import log_action
from kexie.core.models import PiiAccess
from kexie.core.scope import user_can
from kexie.core.services import SYSTEM, require
from kexie.core.text import join_clauses, join_list
from kexie.imports import apply
from kexie.imports.models import FINISHED, BatchStatus, ImportBatch, ImportChange, Kind, Mode
from kexie.imports.pipeline import InlineWriter, ThreadWriter
from kexie.imports.readers import FileError, inspect, map_headers, max_file_bytes, open_table
from kexie.imports.spec import SPECS
from kexie.imports.validate import Context, RowParser
from kexie.imports.workbooks import write_error_workbook
from kexie.members.models import GroupMembership, Membership, MembershipEvent
from kexie.orgs.models import Organisation
from kexie.people.models import Person, PersonDiscipline

log = logging.getLogger(__name__)

ERRORS_SHOWN = 1000
# Imports that change the census: people, people created by membership rows, organisation kinds.
CENSUS_KINDS = {Kind.PEOPLE, Kind.MEMBERSHIPS, Kind.ORGS}
PROGRESS_EVERY = 2000
DATE_COLUMNS = {"birth_date", "founded_on", "applied_on", "joined_on", "dues_paid_through"}
JSON_COLUMNS = {"expertise"}
TABLE_MODELS: dict[str, type[models.Model]] = {
    "people_person": Person, "orgs_organisation": Organisation, "members_membership": Membership,
    "members_groupmembership": GroupMembership,
}


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


def runs_inline(batch: ImportBatch) -> bool:
    """Small files run in the request; anything large (in bytes, unpacked bytes or rows) in the worker."""
    return (batch.file_size <= inline_limit() and batch.unpacked_size <= inline_limit()
            and batch.row_estimate <= inline_rows())


@transaction.atomic
def create_batch(actor: Any, *, kind: str, mode: str, target: Organisation, file: Any, file_name: str,
                 dry_run: bool, retry_of: ImportBatch | None = None) -> ImportBatch:
    """Keep the upload under MEDIA_ROOT and record the batch; the target must be in the change scope.
    A file over the limits (size, unpacked size, compression ratio) is refused before anything is stored."""
    if kind not in Kind.values:
        raise ValidationError(_("不支持的导入内容。"))
    if mode not in Mode.values:
        raise ValidationError(_("不支持的已有记录处理方式。"))
    target = Organisation.objects.select_for_update().get(pk=target.pk)
    require(actor, "imports.change", target.path)
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


def progress_path(batch: ImportBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{batch.pk}.json"


def _write_progress(batch: ImportBatch, done: int, total: int) -> None:
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
                _write_progress(self.batch, 0, 0)
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


def last_beat(batch: ImportBatch) -> dt.datetime | None:
    """When the process running the batch was last known alive: its heartbeat, else its start."""
    try:
        mtime = progress_path(batch).stat().st_mtime
    except OSError:
        return batch.started_at
    beat = dt.datetime.fromtimestamp(mtime, tz=dt.UTC)
    return max(beat, batch.started_at) if batch.started_at else beat


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
    spec = SPECS[batch.kind]
    ctx = Context(actor, batch.organisation, spec, batch.mode)
    report: dict[str, Any] = {}
    file_error = ""
    importer = None
    rows = 0
    began = time.perf_counter()
    try:
        if not user_can(actor, "imports.change", batch.org_path):
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
            _write_progress(batch, 0, estimate)
            threaded = (connection.vendor == "postgresql" and not batch.dry_run
                        and estimate >= int(getattr(settings, "KEXIE_IMPORT_THREADED_ROWS", 20_000)))
            writer = ThreadWriter() if threaded else InlineWriter()
            importer = apply.IMPORTERS[batch.kind](ctx, parser, batch, dry_run=batch.dry_run, writer=writer)
            report["threaded"] = threaded
            gc.freeze()  # what is loaded so far (lookups, caches) is never garbage: keep it out of collections
            with transaction.atomic() if not threaded else nullcontext():
                writer.start()
                try:
                    for rows, (number, cells) in enumerate(table.rows(), start=1):
                        importer.add(number, cells)
                        if rows % PROGRESS_EVERY == 0:
                            _write_progress(batch, rows, estimate)
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
    if batch.status == BatchStatus.DONE and batch.kind in CENSUS_KINDS and (batch.created or batch.updated):
        schedule_refresh()
    return batch


def _save_error_workbook(batch: ImportBatch, ctx: Context) -> None:
    spec = SPECS[batch.kind]
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


# -- the watchdog, retry and file retention ---------------------------------------------------------------


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


# -- rollback ---------------------------------------------------------------------------------------------


def _ranges_q(ranges: list[list[int]], field: str = "pk") -> models.Q:
    q = models.Q(pk__in=[])
    for first, last in ranges:
        q |= models.Q(**{f"{field}__gte": first, f"{field}__lte": last})
    return q


def _restore_value(column: str, value: Any) -> Any:
    if column in DATE_COLUMNS and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if column in JSON_COLUMNS:
        return json.dumps(value, ensure_ascii=False)
    return value


def _conflicts(batch: ImportBatch) -> int:
    """Records of this batch changed since by someone else: updated rows whose values are no longer
    what the import wrote, and created rows edited after the import."""
    n = 0
    for table, ranges in batch.created_ids.items():
        model = TABLE_MODELS[table]
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            n += model._default_manager.filter(_ranges_q(ranges), updated_at__gt=batch.finished_at).count()
    changes = ImportChange.objects.filter(batch=batch).order_by("id")
    by_table: dict[str, list[ImportChange]] = defaultdict(list)
    for ch in changes.iterator(chunk_size=2000):
        by_table[ch.table].append(ch)
        if len(by_table[ch.table]) >= 2000:
            n += _changed_since(ch.table, by_table.pop(ch.table))
    for table, items in by_table.items():
        n += _changed_since(table, items)
    return n


def _changed_since(table: str, items: list[ImportChange]) -> int:
    cols = sorted({c for ch in items for c in ch.after if not c.startswith("_")})
    if not cols:
        return 0
    sql, params = apply.col_in("id", [ch.object_id for ch in items])
    current = {r[0]: dict(zip(cols, r[1:], strict=True)) for r in apply.fetch_rows(table, ("id", *cols), sql, params)}
    n = 0
    for ch in items:
        now = current.get(ch.object_id)
        if now is None:
            n += 1
            continue
        for c, v in ch.after.items():
            if c.startswith("_"):
                continue
            have = now[c]
            if c in JSON_COLUMNS and isinstance(have, str):
                have = json.loads(have)
            if apply.jsonable(apply._date_value(have) if c in DATE_COLUMNS else have) != v:
                n += 1
                break
    return n


@transaction.atomic
def rollback_batch(actor: Any, batch: ImportBatch) -> ImportBatch:
    """Undo a whole batch: updated rows get their values back, created rows are removed (so that a
    corrected file can be imported again); audited as one entry with the counts."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    require(actor, "imports.change", batch.org_path)
    if not batch.can_roll_back:
        raise ValidationError(_("该批次不能撤销：只有已成功导入且有新增或更新的批次可以撤销。"))
    later = ImportBatch.objects.filter(kind=batch.kind, status=BatchStatus.DONE, dry_run=False,
                                       finished_at__gt=batch.finished_at).filter(
        models.Q(org_path__startswith=batch.org_path) | models.Q(org_path__in=_ancestors(batch.org_path)))
    if later.exists():
        raise ValidationError(_("之后还有同类导入批次（%(ids)s）未撤销，请先撤销较晚的批次。")
                              % {"ids": join_list(f"#{b}" for b in later.values_list("pk", flat=True)[:5])})
    conflicts = _conflicts(batch)
    if conflicts:
        raise ValidationError(_("本批导入的记录中有 %(n)s 条在导入后又被修改过，不能整批撤销。") % {"n": conflicts})
    reasons = references(batch)
    if reasons:
        raise ValidationError(_("本批新增的记录已被其他模块使用，不能撤销：%(reasons)s。请先在相应模块中处理这些记录，"
                                "或保留本批导入。") % {"reasons": join_clauses(reasons)})
    _delete_derived(batch)
    restored = _restore_updates(batch)
    removed = _remove_created(batch)
    batch.status = BatchStatus.ROLLED_BACK
    batch.rolled_back_at = timezone.now()
    batch.rolled_back_by = actor if getattr(actor, "pk", None) else None
    batch.message = _("已撤销：删除新增的 %(c)s 条，恢复更新的 %(u)s 条。") % {"c": removed, "u": restored}
    batch.save(update_fields=["status", "rolled_back_at", "rolled_back_by", "message"])
    if batch.kind in CENSUS_KINDS:
        schedule_refresh()
    log_action(actor, "imports.importbatch.rolled_back", batch, scope_path=batch.org_path,
               extra={"removed": removed, "restored": restored, "file": batch.file_name})
    return batch


# Rows that are part of a created record and go with it (its disciplines, its membership history).
OWNED = {("people.PersonDiscipline", "person"), ("members.MembershipEvent", "membership")}
# Derived rows that their own job makes again (pending duplicate suggestions): deleted with the record.
DERIVED: dict[str, models.Q] = {"identity.MatchCandidate": models.Q(status="queued")}
NAMES_SHOWN = 3


def _reverse_relations(model: type[models.Model]) -> list[ForeignObjectRel]:
    """Every foreign key pointing at ``model`` (hidden ones included, many-to-many through their
    tables), except those without a database constraint: those rows (the census summary) are rebuilt
    without the removed records by their own job."""
    rels = []
    for rel in model._meta.get_fields(include_hidden=True):
        if not isinstance(rel, ForeignObjectRel) or rel.many_to_many:
            continue
        if not getattr(rel.field, "db_constraint", True):
            continue
        rels.append(rel)
    return rels


def _related(rel: ForeignObjectRel) -> type[models.Model]:
    """The model holding the foreign key (resolved: the app registry is ready)."""
    model = rel.related_model
    assert not isinstance(model, str)
    return model


def _describe(rel: ForeignObjectRel) -> tuple[str, str]:
    """(“模块·记录”, field) for a relation, in the words of the referring module."""
    related = _related(rel)
    owner: Any = related._meta.auto_created  # the model of a many-to-many field, for its through table
    if isinstance(owner, type) and issubclass(owner, models.Model):
        m2m = next(f for f in owner._meta.many_to_many if f.remote_field.through is related)
        return f"{owner._meta.app_config.verbose_name}·{owner._meta.verbose_name}", str(m2m.verbose_name)
    return f"{related._meta.app_config.verbose_name}·{related._meta.verbose_name}", str(rel.field.verbose_name)


def references(batch: ImportBatch) -> list[str]:
    """Why the records this batch created cannot be removed: for every module holding a row that
    refers to one of them (an application, an expert, a post, a membership, a merge, a role …), which
    module, how many rows and which records — found through the models' relations, so a module added
    later is covered. The batch's own rows (records it created, their disciplines and history) do not
    count. Empty when nothing refers to them."""
    created = batch.created_ids or {}
    reasons: list[str] = []
    for table, ranges in created.items():
        model = TABLE_MODELS[table]
        for rel in _reverse_relations(model):
            related = _related(rel)
            label = related._meta.label
            if (label, rel.field.name) in OWNED:
                continue
            column = rel.field.attname
            rows = related._base_manager.filter(_ranges_q(ranges, column))
            own = created.get(related._meta.db_table)
            if own:
                rows = rows.exclude(_ranges_q(own))
            if label in DERIVED:
                rows = rows.exclude(DERIVED[label])
            n = rows.count()
            if not n:
                continue
            ids = rows.order_by().values_list(column, flat=True).distinct()
            k = ids.count()
            shown = [f"“{o}”" for o in model._base_manager.filter(pk__in=list(ids[:NAMES_SHOWN])).order_by("pk")]
            names = join_list(shown) + (_("等 %(k)s 条") % {"k": k} if k > len(shown) else "")
            where, field = _describe(rel)
            reasons.append(_("“%(where)s”中有 %(n)s 条记录（%(field)s）引用了本批新增的%(kind)s%(names)s")
                           % {"where": where, "n": n, "field": field, "kind": model._meta.verbose_name,
                              "names": names})
    return reasons


def _delete_derived(batch: ImportBatch) -> None:
    for table, ranges in (batch.created_ids or {}).items():
        for rel in _reverse_relations(TABLE_MODELS[table]):
            related = _related(rel)
            q = DERIVED.get(related._meta.label)
            if q is not None:
                related._base_manager.filter(_ranges_q(ranges, rel.field.attname)).filter(q).delete()


def _ancestors(path: str) -> list[str]:
    step = Organisation.steplen
    return [path[:i] for i in range(step, len(path), step)]


def _restore_updates(batch: ImportBatch) -> int:
    n = 0
    groups: dict[tuple[str, tuple[str, ...]], list[ImportChange]] = defaultdict(list)
    org_delta: dict[int, int] = defaultdict(int)
    disciplines: list[tuple[int, list[int]]] = []
    for ch in ImportChange.objects.filter(batch=batch).order_by("id").iterator(chunk_size=2000):
        cols = tuple(sorted(c for c in ch.before if not c.startswith("_")))
        if cols:
            groups[(ch.table, cols)].append(ch)
        if "_disciplines" in ch.before:
            disciplines.append((ch.object_id, ch.before["_disciplines"]))
        if ch.table == "people_person" and "org_id" in ch.before:
            org_delta[ch.after["org_id"]] -= 1
            org_delta[ch.before["org_id"]] += 1
        n += 1
    for (table, cols), items in groups.items():
        for i in range(0, len(items), 2000):
            apply.update_rows(table, cols, [(ch.object_id, *(_restore_value(c, ch.before[c]) for c in cols))
                                            for ch in items[i:i + 2000]])
    if disciplines:
        PersonDiscipline.objects.filter(person_id__in=[pk for pk, _ in disciplines]).delete()
        PersonDiscipline.objects.bulk_create([PersonDiscipline(person_id=pk, discipline_id=d, is_primary=i == 0)
                                              for pk, ds in disciplines for i, d in enumerate(ds)])
    for org_id, delta in org_delta.items():
        if delta:
            Organisation.objects.filter(pk=org_id).update(people_count=models.F("people_count") + delta)
    return n


def _remove_created(batch: ImportBatch) -> int:
    created = batch.created_ids
    n = 0
    members = created.get("members_membership")
    if members:
        q = _ranges_q(members)
        MembershipEvent.objects.filter(_ranges_q(members, "membership_id")).delete()
        n += Membership.objects.filter(q)._raw_delete(connection.alias)
    groups = created.get("members_groupmembership")
    if groups:
        n += GroupMembership.objects.filter(_ranges_q(groups))._raw_delete(connection.alias)
    people = created.get("people_person")
    if people:
        q = _ranges_q(people)
        if Membership.objects.filter(_ranges_q(people, "person_id")).exists():
            raise ValidationError(_("本批导入的人员已有会员记录，不能撤销；请先撤销或处理相关会员记录。"))
        if Person.objects.filter(q, user__isnull=False).exists():
            raise ValidationError(_("本批导入的人员已关联平台账号，不能撤销。"))
        live = (Person.objects.filter(q, deleted_at__isnull=True).order_by().values("org_id")
                .annotate(n=models.Count("id")).values_list("org_id", "n"))
        for org_id, k in list(live):
            Organisation.objects.filter(pk=org_id).update(people_count=models.F("people_count") - k)
        PersonDiscipline.objects.filter(_ranges_q(people, "person_id")).delete()
        n += Person.objects.filter(q)._raw_delete(connection.alias)
    orgs = created.get("orgs_organisation")
    if orgs:
        q = _ranges_q(orgs)
        mine = list(Organisation.objects.filter(q).values_list("path", flat=True))
        for path in mine:
            if Organisation.objects.filter(path__startswith=path).exclude(q).exists():
                raise ValidationError(_("本批导入的组织下已有其他组织，不能撤销。"))
        if Person.objects.filter(_ranges_q(orgs, "org_id")).exists():
            raise ValidationError(_("本批导入的组织已登记了人员，不能撤销。"))
        parents: dict[str, int] = defaultdict(int)
        for path in mine:
            parents[path[:-Organisation.steplen]] += 1
        n += Organisation.objects.filter(q)._raw_delete(connection.alias)
        for path, k in parents.items():
            if path not in mine:
                Organisation.objects.filter(path=path).update(numchild=models.F("numchild") - k)
    return n
