"""Background exports (decision 0033): start a job for a large list export, run it (the kind's ``rows`` with
the owner's scope at run time, progress on the job row every ``progress_rows()`` rows), notify the owner,
retry a failed job, and delete files at their expiry (``kexie daily``)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action
from kexie.core.export import MAX_EXPORT_ROWS, write_rows
from kexie.core.registry import ExportKind, export_kinds
from kexie.core.scope import scope_paths
from kexie.exports import parallel
from kexie.exports.models import ExportJob, Format, Status
from kexie.notices.services import notify

log = logging.getLogger(__name__)

# Query parameters that are not filters: they say how to export, not what.
NOT_FILTERS = ("confirmed", "page", "fmt")


def job_rows() -> int:
    """Exports whose capped row count exceeds this run as background jobs; smaller ones stream at once."""
    return int(getattr(settings, "KEXIE_EXPORT_JOB_ROWS", 5000))


def xlsx_rows() -> int:
    """Background exports up to this many rows default to xlsx, larger ones to CSV (decision 0033)."""
    return int(getattr(settings, "KEXIE_EXPORT_XLSX_ROWS", 100_000))


def file_days() -> int:
    """Export files (they may hold personal data) are deleted this many days after the export finished."""
    return int(getattr(settings, "KEXIE_EXPORT_FILE_DAYS", 7))


def progress_rows() -> int:
    """The job row's progress is written every this many rows."""
    return max(1, int(getattr(settings, "KEXIE_EXPORT_PROGRESS_ROWS", 20_000)))


def stale_minutes() -> int:
    """A running export whose progress has not moved for this long is taken for dead."""
    return int(getattr(settings, "KEXIE_EXPORT_STALE_MINUTES", 30))


def can_export(user: Any) -> bool:
    """Whether the user may export any registered kind somewhere (the menu entry 我的导出; no query)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(scope_paths(user, k.action) != [] for k in export_kinds().values())


def exceeds_threshold(qs: QuerySet[Any]) -> bool:
    """Whether the filtered list has more rows than an export done within the request may write (a capped count:
    at most ``job_rows() + 1`` rows are counted)."""
    limit = job_rows()
    return qs.order_by().values("pk")[: limit + 1].count() > limit


def parameters_of(query: Mapping[str, Any]) -> dict[str, list[str]]:
    """A QueryDict (or a dict of lists) as the job keeps it: the list's filters as given."""
    getlist = getattr(query, "getlist", None)
    out: dict[str, list[str]] = {}
    for key in query:
        if key in NOT_FILTERS:
            continue
        values = getlist(key) if getlist else query[key]
        out[str(key)[:100]] = [str(v)[:500] for v in (values if isinstance(values, list | tuple) else [values])][:20]
    return out


def kind_of(code: str) -> ExportKind:
    kind = export_kinds().get(code)
    if kind is None:
        raise ValidationError(_("没有这种导出：%(kind)s。") % {"kind": code})
    return kind


def default_format(total: int) -> str:
    return Format.XLSX if total <= xlsx_rows() else Format.CSV


@transaction.atomic
def start_job(user: Any, kind: str, query: Mapping[str, Any], *, ip: str | None = None, fmt: str = "") -> ExportJob:
    """A queued job for ``user``'s export of ``kind`` with the list's filters; the task is enqueued once the
    job row is committed. Refused (PermissionDenied) when the user may export that kind nowhere."""
    export_kind = kind_of(kind)
    if scope_paths(user, export_kind.action) == []:
        raise PermissionDenied(_("您的角色无权导出%(label)s。") % {"label": export_kind.label})
    if fmt not in Format.values:
        fmt = ""
    job = ExportJob.objects.create(user=user, kind=kind, parameters=parameters_of(query), fmt=fmt or Format.XLSX,
                                   ip=ip, status=Status.QUEUED)
    if not fmt:  # chosen when the job runs, from the row count it finds
        job.parameters["_auto_format"] = True
        job.save(update_fields=["parameters"])
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from kexie.exports.tasks import run_export

    run_export.enqueue(job_id)


def retry_job(user: Any, job: ExportJob) -> ExportJob:
    """A new job with the same kind, filters and format as a failed or expired one of the same user."""
    if job.user_id != getattr(user, "pk", None):
        raise PermissionDenied(_("只能重试自己的导出。"))
    if job.status not in (Status.FAILED, Status.EXPIRED):
        raise ValidationError(_("只有失败或已过期的导出可以重新导出。"))
    query = {k: v for k, v in job.parameters.items() if not k.startswith("_")}
    fmt = "" if job.parameters.get("_auto_format") else job.fmt
    new = start_job(user, job.kind, query, ip=job.ip, fmt=fmt)
    ExportJob.objects.filter(pk=new.pk).update(retry_of=job)
    new.retry_of = job
    return new


def formats_for(rows: int) -> list[tuple[str, str, bool]]:
    """The formats an export of ``rows`` rows may be written in: ``(value, label, allowed)``. CSV always; xlsx
    up to ``xlsx_rows()`` (beyond that no xlsx writer meets the time an export may take; decision 0033)."""
    return [(Format.XLSX, str(Format.XLSX.label), rows <= xlsx_rows()), (Format.CSV, str(Format.CSV.label), True)]


def export_again(user: Any, job: ExportJob, fmt: str) -> ExportJob:
    """A new job of the same user with the same kind and filters as ``job``, in the format chosen."""
    if job.user_id != getattr(user, "pk", None):
        raise PermissionDenied(_("只能重新导出自己的导出。"))
    allowed = {value for value, _label, ok in formats_for(job.rows_total) if ok}
    if fmt not in Format.values:
        raise ValidationError(_("请选择文件格式。"))
    if fmt not in allowed:
        raise ValidationError(_("超过 %(rows)s 行的导出只能生成 CSV 文件。") % {"rows": f"{xlsx_rows():,}"})
    query = {k: v for k, v in job.parameters.items() if not k.startswith("_")}
    return start_job(user, job.kind, query, ip=job.ip, fmt=fmt)


class _Progress:
    """Counts the rows the writer takes and writes the count on the job row every ``every`` rows (in
    autocommit: other connections see it while the job runs)."""

    def __init__(self, job: ExportJob, every: int) -> None:
        self.job, self.every, self.done = job, every, 0

    def wrap(self, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        every, n = self.every, 0
        mark = every
        for row in rows:
            yield row
            n += 1
            if n >= mark:
                mark += every
                self.done = n
                ExportJob.objects.filter(pk=self.job.pk).update(rows_done=n, beat_at=timezone.now())
        self.done = n


class _TempFile(File):  # type: ignore[type-arg]
    """A finished file on disk: FileSystemStorage moves it into MEDIA_ROOT instead of copying it."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def run_job(job_id: int) -> ExportJob:
    """Run a queued job once: claim it, write the file, mark it done (or failed with a Chinese message) and
    notify the owner. Not in a transaction: the progress is visible while it runs."""
    claimed = ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now())
    job = ExportJob.objects.get(pk=job_id)
    if not claimed:
        return job
    user = get_user_model().objects.get(pk=job.user_id)  # the CURRENT roles and scope, not the request's
    started = time.monotonic()
    tmp_path = ""
    try:
        if not user.is_active:
            raise PermissionDenied(_("账号已停用，不能导出。"))
        kind = kind_of(job.kind)
        if scope_paths(user, kind.action) == []:
            raise PermissionDenied(_("您的角色已无权导出%(label)s。") % {"label": kind.label})
        params = {k: v for k, v in job.parameters.items() if not k.startswith("_")}
        headers, total, rows = kind.load()(user, params, ip=job.ip)
        fmt = default_format(total) if job.parameters.get("_auto_format") else job.fmt
        if fmt == Format.XLSX and total > min(xlsx_rows(), MAX_EXPORT_ROWS):
            fmt = Format.CSV  # xlsx only up to xlsx_rows() (and a sheet holds 1,048,576 rows): CSV beyond
        ExportJob.objects.filter(pk=job.pk).update(rows_total=total, fmt=fmt)
        job.rows_total, job.fmt = total, fmt
        directory = os.path.join(settings.MEDIA_ROOT, "exports", "tmp")
        os.makedirs(directory, exist_ok=True)
        fd, tmp_path = tempfile.mkstemp(prefix=f"{job.pk}-", suffix=f".{fmt}", dir=directory)
        loader = kind.load()
        if parallel.applies(loader, fmt, total):  # CSV slices by several processes, joined in order
            os.close(fd)
            written = parallel.write(job, user, kind, params, headers, total, tmp_path)
        else:
            progress = _Progress(job, progress_rows())
            with os.fdopen(fd, "wb") as out:
                written = write_rows(fmt, out, str(kind.sheet or kind.label), headers, progress.wrap(rows))
        stamp = timezone.localtime().strftime("%Y/%m")
        name = f"exports/{stamp}/{job.pk}-{secrets.token_hex(8)}.{fmt}"
        with open(tmp_path, "rb") as handle:
            saved = default_storage.save(name, _TempFile(handle, name=tmp_path))
        size = default_storage.size(saved)
        now = timezone.now()
        ExportJob.objects.filter(pk=job.pk).update(
            status=Status.DONE, rows_done=written, rows_total=max(total, written), file=saved, file_size=size,
            finished_at=now, expires_at=now + dt.timedelta(days=file_days()), error="")
        job.refresh_from_db()
        log_action(user, "exports.exportjob.done", job, scope_path="",
                   after={"kind": job.kind, "rows": written, "format": fmt, "seconds": round(time.monotonic() - started, 1),
                          "full": job.full_pii})
        notify([user], title=_("导出完成：%(label)s") % {"label": job.kind_label},
               body=_("共 %(rows)s 行，文件保留 %(days)s 天。") % {"rows": written, "days": file_days()},
               url=reverse("exports:detail", args=[job.pk]), key=f"exports-done-{job.pk}")
    except (PermissionDenied, ValidationError) as exc:
        _fail(job, user, _messages(exc))
    except Exception:  # the job is marked failed with a message the owner can act on; the trace goes to the log
        log.exception("export job %s failed", job.pk)
        _fail(job, user, _("导出时出错，请稍后重新导出；如仍失败，请联系管理员。"))
    finally:
        if tmp_path and os.path.exists(tmp_path):
            os.unlink(tmp_path)
    job.refresh_from_db()
    return job


def _messages(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for m in exc.messages)[:500]
    return (str(exc) or _("无权导出。"))[:500]


def _fail(job: ExportJob, user: Any, message: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(status=Status.FAILED, error=message[:500], finished_at=timezone.now())
    notify([user], title=_("导出失败：%(label)s") % {"label": job.kind_label}, body=message,
           url=reverse("exports:detail", args=[job.pk]), key=f"exports-done-{job.pk}")


def recover_interrupted() -> int:
    """Running jobs whose progress has not moved for ``stale_minutes()`` (their worker died) are failed."""
    limit = timezone.now() - dt.timedelta(minutes=stale_minutes())
    dead = Q(beat_at__lt=limit) | Q(beat_at__isnull=True, started_at__lt=limit)
    return ExportJob.objects.filter(dead, status=Status.RUNNING).update(
        status=Status.FAILED, finished_at=timezone.now(), error=_("导出中断（处理进程已停止），请重新导出。"))


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete the files of finished jobs past ``expires_at``; the jobs stay listed as expired."""
    now = now or timezone.now()
    removed = 0
    for job in ExportJob.objects.filter(status=Status.DONE, expires_at__lt=now).only("pk", "file"):
        if job.file and default_storage.exists(job.file.name):
            default_storage.delete(job.file.name)
            removed += 1
        ExportJob.objects.filter(pk=job.pk).update(status=Status.EXPIRED, file="", file_size=0)
    return removed


def open_file(user: Any, job: ExportJob) -> Any:
    """The job's file for its owner (views reach only the owner's jobs; this checks again)."""
    if job.user_id != getattr(user, "pk", None):
        raise PermissionDenied(_("只能下载自己的导出文件。"))
    if job.status != Status.DONE or not job.file:
        raise FileNotFoundError(job.pk)
    return default_storage.open(job.file.name, "rb")


def seconds_left(job: ExportJob) -> int | None:
    """Estimated seconds until a running job finishes, from its pace so far; None before there is a pace."""
    if job.status != Status.RUNNING or not job.started_at or not job.rows_done or not job.rows_total:
        return None
    elapsed = (timezone.now() - job.started_at).total_seconds()
    rate = job.rows_done / max(elapsed, 0.001)
    return max(0, int((job.rows_total - job.rows_done) / rate))
