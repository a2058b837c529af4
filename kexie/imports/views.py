"""Upload form and batch list, batch page with its progress bar, error workbook (each download logged
as an access to personal data), template, confirmation of a dry run, retry of an interrupted import,
rollback. Thin: the work is in ``services``."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.http import client_ip, error_messages, error_page, forbidden, join_messages
from kexie.core.scope import get_in_scope, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.core.uploads import upload_limit
from kexie.imports import kinds, services
from kexie.imports.forms import UploadForm
from kexie.imports.models import BatchStatus, ImportBatch
from kexie.imports.readers import max_file_bytes
from kexie.imports.workbooks import write_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(response, name: str):
    response["Content-Disposition"] = f"attachment; filename=\"import.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


BATCH_COLUMNS = (
    Column("id", "#", ("id",)),
    Column("at", gettext_lazy("时间"), ("queued_at",)),
    Column("actor", gettext_lazy("导入人")),
    Column("kind", gettext_lazy("内容"), ("kind",)),
    Column("file", gettext_lazy("文件")),
    Column("org", gettext_lazy("导入到"), css="hide-sm"),
    Column("mode", gettext_lazy("方式"), css="hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("created", gettext_lazy("新增"), ("created",), "num"),
    Column("updated", gettext_lazy("更新"), ("updated",), "num"),
    Column("skipped", gettext_lazy("未变动"), ("skipped",), "num"),
    Column("errors", gettext_lazy("错误"), ("error_count",), "num"),
)


@upload_limit(max_file_bytes)  # refused from the declared length, before the file is kept (core/uploads.py)
@login_required
def batch_list(request):
    too_large = request.method == "POST" and bool(getattr(request, "upload_too_large", False))
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if too_large:  # nothing of the file was kept: the form is shown again with the limit, the other fields kept
        form.full_clean()
        form.errors["file"] = form.error_class(
            [_("文件大小超过上限 %(max)s MB，请拆分后分批导入。") % {"max": max_file_bytes() // 1024**2}])
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.create_batch(request.user, kind=data["kind"], mode=data["mode"],
                                          target=data["organisation"], file=data["file"],
                                          file_name=data["file"].name, dry_run=data["dry_run"])
        except ValidationError as exc:
            form.add_error(None, error_messages(exc))
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            services.start_batch(batch)
            return redirect("imports:detail", pk=batch.pk)
    services.recover_interrupted()
    batches = (ImportBatch.objects.for_user(request.user).select_related("organisation", "actor")
               .order_by("-queued_at", "-id"))
    status = 413 if too_large else 400 if request.method == "POST" else 200
    table = Table(request, batches, BATCH_COLUMNS, row_template="imports/list.html#row", per_page=30,
                  table_id="batches", empty=Empty(_("还没有导入批次。先下载模板，按模板填好后在上方上传。"),
                                                  _("下载人员导入模板"), reverse("imports:template", args=["people"])))
    return render(request, "imports/list.html", {"form": form, "table": table, "kinds": kinds.kinds()},
                  status=status)


@login_required
def detail(request, pk: int):
    batch = get_in_scope(ImportBatch.objects.select_related("organisation", "actor", "rolled_back_by"),
                         request.user, pk)
    if batch.status == BatchStatus.RUNNING and services.recover_interrupted([batch.pk]):
        batch.refresh_from_db()
    context = {
        "batch": batch, "progress": services.progress_of(batch),
        "can_change": user_can(request.user, "imports.change", batch.org_path),
        "can_errors": bool(batch.error_file) and not batch.file_removed_at
                      and services.can_download_errors(request.user, batch),
        "file_days": services.file_days(),
        "retry": batch.retries.order_by("pk").first() if batch.interrupted else None,
    }
    if request.htmx:
        response = render(request, "imports/detail.html#status", context)
        if batch.is_finished and request.GET.get("poll"):
            response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/detail.html", context)


@login_required
def error_file(request, pk: int):
    batch = get_in_scope(ImportBatch.objects, request.user, pk)
    if batch.file_removed_at:
        return error_page(request, 410, _("错误文件含有完整的个人信息，已在导入 %(days)s 天后按规定删除。")
                          % {"days": services.file_days()})
    if not batch.error_file:
        raise Http404(_("该批次没有错误文件。"))
    try:
        handle = services.open_error_file(request.user, batch, ip=client_ip(request))
    except PermissionDenied as exc:
        return forbidden(exc, request)
    except FileNotFoundError:
        raise Http404(_("该批次没有错误文件。")) from None
    response = FileResponse(handle, content_type=XLSX)
    return _attachment(response, f"错误-{batch.file_name.rsplit('.', 1)[0]}.xlsx")


@login_required
def template(request, kind: str):
    declared = kinds.find(kind)
    if declared is None:
        raise Http404(_("没有这种导入模板。"))
    spec = declared.load_spec()
    buf = io.BytesIO()
    write_template(buf, spec)
    return _attachment(HttpResponse(buf.getvalue(), content_type=XLSX), f"{spec.title}导入模板.xlsx")


@login_required
@require_POST
def confirm(request, pk: int):
    """A clean dry run, imported for real from the same file."""
    batch = get_in_scope(ImportBatch.objects.select_related("organisation"), request.user, pk, "imports.change")
    if not (batch.dry_run and batch.status == BatchStatus.CHECKED):
        messages.error(request, _("只有无错误的试导入可以正式导入。"))
        return redirect("imports:detail", pk=batch.pk)
    if not batch.has_file:
        messages.error(request, _("上传的文件已删除（只保存 %(days)s 天），请重新上传。") % {"days": services.file_days()})
        return redirect("imports:detail", pk=batch.pk)
    try:
        with batch.file.open("rb") as f:
            real = services.create_batch(request.user, kind=batch.kind, mode=batch.mode, target=batch.organisation,
                                         file=File(f, name=batch.file_name), file_name=batch.file_name,
                                         dry_run=False)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, join_messages(error_messages(exc)))
        return redirect("imports:detail", pk=batch.pk)
    services.start_batch(real)
    return redirect("imports:detail", pk=real.pk)


@login_required
@require_POST
def retry(request, pk: int):
    """An import whose process died, run again from the same file (a new batch)."""
    batch = get_in_scope(ImportBatch.objects.select_related("organisation"), request.user, pk, "imports.change")
    try:
        new = services.retry_batch(request.user, batch)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, join_messages(error_messages(exc)))
        return redirect("imports:detail", pk=batch.pk)
    services.start_batch(new)
    return redirect("imports:detail", pk=new.pk)


@login_required
def rollback(request, pk: int):
    batch = get_in_scope(ImportBatch.objects.select_related("organisation", "actor"), request.user, pk, "imports.change")
    if request.method == "POST":
        try:
            services.rollback_batch(request.user, batch)
        except ValidationError as exc:
            messages.error(request, join_messages(error_messages(exc)))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已撤销该批次导入。"))
        return redirect("imports:detail", pk=batch.pk)
    return render(request, "imports/rollback.html", {"batch": batch})
