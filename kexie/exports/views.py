"""我的导出: the user's export jobs with their progress (htmx polling), a job's page shown at once after it
starts (正在导出…, rows done / total, time left), the download (the owner only) and retry. Thin: the work is in
``services``."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.export import CONTENT_TYPES
from kexie.core.http import error_messages, error_page, forbidden, join_messages
from kexie.core.tables import Column, Empty, Table
from kexie.exports import services
from kexie.exports.models import ExportJob, Status

COLUMNS = (
    Column("id", "#", ("id",)),
    Column("kind", gettext_lazy("导出内容"), ("kind",)),
    Column("created", gettext_lazy("提交时间"), ("created_at",)),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("progress", gettext_lazy("进度")),
    Column("format", gettext_lazy("格式"), css="hide-sm"),
    Column("file", gettext_lazy("文件")),
)


def _job(request, pk: int) -> ExportJob:
    """The caller's own job; anyone else's (superusers' included) is a 404 like a missing one."""
    return get_object_or_404(ExportJob.objects.mine(request.user), pk=pk)


@login_required
def job_list(request):
    jobs = ExportJob.objects.mine(request.user).order_by("-created_at", "-id")
    table = Table(request, jobs, COLUMNS, row_template="exports/list.html#row", per_page=30, table_id="export-jobs",
                  default=("-created_at",),
                  empty=Empty(_("还没有导出记录。在人员、组织或会员列表中点击“导出”，数据较多时会在这里后台生成文件。")))
    running = any(not job.is_finished for job in table.page.object_list)
    context = {"table": table, "running": running, "file_days": services.file_days()}
    if request.htmx and request.GET.get("poll"):
        return render(request, "exports/list.html#jobs", context)
    return render(request, "exports/list.html", context)


@login_required
def detail(request, pk: int):
    job = _job(request, pk)
    context = {"job": job, "seconds_left": services.seconds_left(job), "file_days": services.file_days(),
               "formats": services.formats_for(job.rows_total), "xlsx_rows": f"{services.xlsx_rows():,}"}
    if request.htmx and request.GET.get("poll"):
        return render(request, "exports/detail.html#status", context)
    return render(request, "exports/detail.html", context)


@login_required
def download(request, pk: int):
    job = _job(request, pk)
    if job.status == Status.EXPIRED:
        return error_page(request, 410, _("导出文件已在 %(days)s 天后按规定删除，请重新导出。") % {"days": services.file_days()})
    try:
        handle = services.open_file(request.user, job)
    except PermissionDenied as exc:
        return forbidden(exc, request)
    except FileNotFoundError:
        raise Http404(_("导出文件还没有生成。")) from None
    stamp = (job.finished_at or job.created_at).strftime("%Y%m%d-%H%M")
    name = f"{job.kind_label}-{stamp}.{job.fmt}"
    response = FileResponse(handle, content_type=CONTENT_TYPES.get(job.fmt, "application/octet-stream"))
    response["Content-Disposition"] = (f"attachment; filename=\"export.{job.fmt}\"; "
                                       f"filename*=UTF-8''{quote(name)}")
    return response


@login_required
@require_POST
def retry(request, pk: int):
    job = _job(request, pk)
    try:
        new = services.retry_job(request.user, job)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, join_messages(error_messages(exc)) if isinstance(exc, ValidationError) else str(exc))
        return redirect("exports:detail", pk=job.pk)
    return redirect("exports:detail", pk=new.pk)


@login_required
@require_POST
def again(request, pk: int):
    """The same export (kind and filters) once more, in the format chosen on the job's page."""
    job = _job(request, pk)
    try:
        new = services.export_again(request.user, job, request.POST.get("fmt", ""))
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, join_messages(error_messages(exc)))
        return redirect("exports:detail", pk=job.pk)
    return redirect("exports:detail", pk=new.pk)
