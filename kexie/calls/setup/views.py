"""Pages of a call's set-up: the list, the detail, creating and editing (formsets and the formkit builder),
opening, advancing stages, quotas."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.calls import eligibility
from kexie.calls.common import person_of
from kexie.calls.formfields import filter_values, first_error
from kexie.calls.models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    Quota,
    Stage,
)
from kexie.calls.models.applications import submitted_q
from kexie.calls.pages import _call, _libraries, _refuse, _visible_calls
from kexie.calls.setup import services
from kexie.calls.setup.forms import AdvanceForm, CallForm, CallListFilter, QuotaForm
from kexie.calls.setup.formsets import (
    DEFAULT_STAGES,
    EligibilityFormSet,
    RubricFormSet,
    StageFormSet,
    eligibility_initial,
    rubric_initial,
    setup_export,
    stages_initial,
)
from kexie.core.http import error_messages, join_messages
from kexie.core.scope import scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.formkit import editor
from kexie.formkit.forms import UploadForm, schema_from_upload
from kexie.orgs.models import Organisation

QUOTA_CHILDREN_LISTED = 60  # the owner's direct children listed on the quota page; more are added by search

CALL_COLUMNS = (
    Column("name", gettext_lazy("名称"), ("name",)),
    Column("type", gettext_lazy("类型"), ("type",)),
    Column("year", gettext_lazy("年度"), ("year",)),
    Column("owner", gettext_lazy("主办单位"), ("owner__name",), "hide-sm"),
    Column("stage", gettext_lazy("当前阶段"), ("current_stage",)),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("n", gettext_lazy("已提交申报"), ("n",), "num"),
)


@login_required
def call_list(request):
    """Calls in scope and every published call (sort, filters, pages); an applicant's own applications above."""
    calls = _visible_calls(request.user).select_related("owner").annotate(
        n=Count("applications", filter=submitted_q("applications__")))
    flt = CallListFilter(request.GET)
    d = filter_values(flt)
    calls = calls.filter(**{k: d[k] for k in ("year", "type", "status") if k in d})
    if d.get("q"):
        calls = calls.filter(name__contains=d["q"])
    person = person_of(request.user)
    mine = (Application.objects.filter(applicant_person=person).select_related("call").order_by("-id")[:20]
            if person else [])
    can_create = scope_paths(request.user, "calls.change") != []
    empty = (Empty(_("还没有申报批次。新建申报批次，设置申报条件、阶段和评审细则后开放申报。"), _("新建申报批次"),
                   reverse("calls:create"), filtered=_("没有符合条件的申报批次。")) if can_create else
             Empty(_("目前没有开放的申报批次。批次开放后会在这里列出，也会发站内通知。"), _("查看通知"),
                   reverse("notices:inbox"), filtered=_("没有符合条件的申报批次。")))
    table = Table(request, calls, CALL_COLUMNS, row_template="calls/list.html#row", filterset=flt,
                  table_id="calls", empty=empty, default=("-year", "code"))
    return render(request, "calls/list.html", {"table": table, "filter": flt, "page": table.page, "mine": mine,
                                               "can_create": can_create})


@login_required
def call_detail(request, pk: int):
    call = _call(request, pk)
    person = person_of(request.user)
    verdict = None
    own = None
    if person is not None and call.applicant_kind == "person":
        verdict = eligibility.evaluate(call, person=person)
        own = Application.objects.filter(call=call, applicant_person=person).first()
    can_manage = user_can(request.user, "calls.change", call.org_path)
    counts = dict(Application.objects.for_user(request.user).filter(call=call).values_list("status")
                  .annotate(n=Count("id")).values_list("status", "n"))
    quotas = Quota.objects.filter(call=call).select_related("organisation").order_by("org_path")
    nominators = [q.organisation for q in quotas]
    return render(request, "calls/detail.html", {
        "call": call, "stages": call.stage_rows(), "rules": [eligibility.describe(r) for r in call.eligibility],
        "verdict": verdict, "own": own, "person": person, "can_manage": can_manage,
        "counts": [(label, counts.get(value, 0)) for value, label in ApplicationStatus.choices if counts.get(value)],
        "nominators": nominators, "can_apply": call.status == CallStatus.OPEN and call.current_stage == Stage.APPLY,
        "rubric": call.rubric, "next_stage": dict(Stage.choices).get(call.next_stage() or ""),
        "call_flow": Call.WORKFLOW,
        "open_problems": services.open_problems(call) if can_manage and Call.WORKFLOW.allows(call, "open") else [],
    })


@login_required
@require_POST
def call_open(request, pk: int):
    call = _call(request, pk, "calls.change")
    try:
        services.open_call(request.user, call)
        messages.success(request, _("批次已发布。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:detail", pk=call.pk)


@login_required
@require_POST
def call_advance(request, pk: int):
    call = _call(request, pk, "calls.change")
    form = AdvanceForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        services.advance_stage(request.user, call, to=form.cleaned_data["to"] or None)
        messages.success(request, _("已进入下一阶段。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:detail", pk=call.pk)


@login_required
def call_quotas(request, pk: int):
    call = _call(request, pk, "calls.change")
    quotas = {q.organisation_id: q for q in Quota.objects.filter(call=call)}
    # Listed: the organisations holding a quota, and the owner's direct children while they are few; any other
    # organisation of the owner's subtree the user may see is added by search (no list is cut short).
    visible = Organisation.objects.for_user(request.user).alive()
    children = visible.filter(depth=call.owner.depth + 1, path__startswith=call.owner.path)
    few_children = children.count() <= QUOTA_CHILDREN_LISTED
    listed = Q(pk__in=list(quotas)) | (Q(pk__in=children.values("pk")) if few_children else Q(pk__in=[]))
    candidates = list(visible.filter(listed).order_by("path"))
    form = QuotaForm(request.POST or None, orgs=candidates, initial_places={k: q.places for k, q in quotas.items()},
                     choices=visible.filter(path__startswith=call.owner.path))
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(first_error(form))
            services.set_quotas(request.user, call, form.places())
            messages.success(request, _("推荐名额已保存。"))
            return redirect("calls:quotas", pk=call.pk)
        except ValidationError as exc:
            _refuse(request, exc)
    used = services.nominated_counts(call)
    rows = [{"org": o, "quota": quotas.get(o.pk), "used": used.get(o.pk, 0), "field": form[f"q-{o.pk}"]}
            for o in candidates]
    return render(request, "calls/quotas.html", {"call": call, "rows": rows, "form": form,
                                                 "few_children": few_children},
                  status=400 if form.errors else 200)


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
