"""Setting up a call (批次设置) without JSON boxes: the call's settings with its eligibility rules, stages and rubric
as formsets (``forms_setup``), and the application form in the shared form builder (``kexie.formkit``) on its own
page. JSON stays as files: "导出 JSON" and "导入 JSON 文件" on both pages. ``services.create_call`` /
``services.edit_call`` remain the authority on what a call may hold and when it may change."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kexie.calls import services
from kexie.calls.forms import CallForm
from kexie.calls.forms_setup import (
    DEFAULT_STAGES,
    EligibilityFormSet,
    RubricFormSet,
    StageFormSet,
    eligibility_initial,
    rubric_initial,
    setup_export,
    stages_initial,
)
from kexie.calls.models import ApplicationStatus, Call
from kexie.calls.views import _call, _libraries
from kexie.core.http import error_messages, join_messages
from kexie.formkit import editor
from kexie.formkit.forms import UploadForm, schema_from_upload
from kexie.orgs.models import Organisation


def _json_download(data: Any, filename: str) -> HttpResponse:
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=1),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _setup_forms(request: Any, call: Call | None) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    user = request.user
    if call is None:
        owners = Organisation.objects.for_user(user, "calls.change").alive().order_by("path")
        form = CallForm(data, files, libraries=_libraries(user), owners=owners, initial={"tracks_projects": True})
    else:
        form = CallForm(data, files, libraries=_libraries(user), initial=CallForm.initial_for(call))
    return {
        "form": form,
        "rules": EligibilityFormSet(data, prefix="el", form_kwargs={"user": user},
                                    initial=eligibility_initial(call.eligibility) if call else None),
        "stages": StageFormSet(data, prefix="st", initial=stages_initial(call.stages) if call else DEFAULT_STAGES),
        "rubric": RubricFormSet(data, prefix="ru", initial=rubric_initial(call.rubric) if call else None),
    }


def _values(forms: dict[str, Any]) -> dict[str, Any] | None:
    """The call's values from valid forms (a set-up file replaces the structured parts), else None."""
    if not all(f.is_valid() for f in forms.values()):
        return None
    values: dict[str, Any] = forms["form"].values()
    values.update(eligibility=forms["rules"].values(), stages=forms["stages"].values(),
                  rubric=forms["rubric"].values())
    values.update(forms["form"].cleaned_data.get("setup_file") or {})
    return values


def _render_setup(request: Any, call: Call | None, forms: dict[str, Any]) -> HttpResponse:
    bad = request.method == "POST"
    return render(request, "calls/call_form.html", {"call": call, **forms}, status=400 if bad else 200)


@login_required
def call_create(request):
    forms = _setup_forms(request, None)
    if request.method == "POST" and (values := _values(forms)) is not None:
        d = forms["form"].cleaned_data
        try:
            call = services.create_call(request.user, owner=d["owner"], code=d["code"], **values)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                forms["form"].add_error(None, m)
        else:
            messages.success(request, _("批次已创建。请设计申报表。"))
            return redirect("calls:call-form", pk=call.pk)
    return _render_setup(request, None, forms)


@login_required
def call_edit(request, pk: int):
    call = _call(request, pk, "calls.change")
    forms = _setup_forms(request, call)
    if request.method == "POST" and (values := _values(forms)) is not None:
        try:
            services.edit_call(request.user, call, **values)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                forms["form"].add_error(None, m)
        else:
            messages.success(request, _("批次已保存。"))
            return redirect("calls:detail", pk=call.pk)
    return _render_setup(request, call, forms)


@login_required
def setup_json(request, pk: int):
    """导出 JSON: the call's eligibility, stages, rubric and application form as one file."""
    call = _call(request, pk, "calls.change")
    return _json_download(setup_export(call), f"{call.code}-setup.json")


# ---- the application form (申报表) ---------------------------------------------------------------
def _form_context(request: Any, call: Call, problems: list[str] | None = None) -> dict[str, Any]:
    started = call.applications.exclude(status=ApplicationStatus.DRAFT).exists()
    builder = editor.context(call.form_schema, edit_url=reverse("calls:call-form", args=[call.pk]),
                             editable=not started, edit_problems=problems)
    return {"call": call, "builder": builder, "started": started, "upload": UploadForm()}


@login_required
def call_form(request, pk: int):
    """The application form of a call in the form builder; each POST is one builder operation."""
    call = _call(request, pk, "calls.change")
    if request.method != "POST":
        return render(request, "calls/setup_form.html", _form_context(request, call))
    problems: list[str] = []
    try:
        schema = editor.apply_edit(call.form_schema, request.POST)
        call = services.edit_call(request.user, call, form_schema=schema)
    except (ValidationError, PermissionDenied) as exc:
        problems = error_messages(exc)
    if request.htmx:
        return render(request, "formkit/_builder.html", _form_context(request, call, problems),
                      status=400 if problems else 200)
    if problems:
        messages.error(request, join_messages(problems))
    else:
        messages.success(request, _("申报表已保存。"))
    return redirect("calls:call-form", pk=call.pk)


@login_required
def form_json(request, pk: int):
    """导出 JSON: the application form's schema."""
    call = _call(request, pk, "calls.change")
    return _json_download(call.form_schema or {"sections": [], "rules": []}, f"{call.code}-form.json")


@login_required
@require_POST
def form_upload(request, pk: int):
    """导入 JSON 文件: replace the application form with the uploaded schema (checked by the service)."""
    call = _call(request, pk, "calls.change")
    form = UploadForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(_("请选择要导入的 JSON 文件。"))
        services.edit_call(request.user, call, form_schema=schema_from_upload(form.cleaned_data["file"]))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, join_messages(error_messages(exc)))
    else:
        messages.success(request, _("已用导入的文件替换申报表。"))
    return redirect("calls:call-form", pk=call.pk)
