"""Pages of the reporting module. Thin: writes are in ``services``, aggregation in ``aggregate``,
spreadsheets in ``excel``. Every page starts from the scope helper."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.accounts.models import RoleAssignment
from kexie.core.export import xlsx_sheets_response
from kexie.core.http import error_messages, join_messages
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.formkit import editor, fill
from kexie.formkit import schema as S
from kexie.formkit.forms import UploadForm as SchemaUploadForm
from kexie.formkit.forms import schema_from_upload
from kexie.orgs.models import Organisation
from kexie.reports import aggregate as agg
from kexie.reports import excel, services
from kexie.reports.forms import (
    CampaignFilter,
    CampaignForm,
    FormMetaForm,
    ProgressFilter,
    ReportFormCreateForm,
    ReviewForm,
    UploadForm,
)
from kexie.reports.forms_flow import CampaignTransitionForm, FillActionForm
from kexie.reports.models import (
    Campaign,
    CampaignStatus,
    FormVersion,
    ReportForm,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
    VersionStatus,
)
from kexie.reports.registry import METRICS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_ORDER = [s.value for s in SubmissionStatus]


def _counts(qs) -> dict[str, int]:
    counts = {s: 0 for s in STATUS_ORDER}
    for row in qs.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def _status_cards(counts: dict[str, int]) -> list[tuple[str, Any, int]]:
    return [(s.value, s.label, counts.get(s.value, 0)) for s in SubmissionStatus]


CAMPAIGN_COLUMNS = (
    Column("name", gettext_lazy("任务名称"), ("name",)),
    Column("form", gettext_lazy("报表"), ("version__form__name", "version__number")),
    Column("year", gettext_lazy("统计年度"), ("year",)),
    Column("owner", gettext_lazy("发起单位"), ("owner__name",), "hide-sm"),
    Column("deadline", gettext_lazy("截止日期"), ("deadline",)),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("progress", gettext_lazy("已通过/待审核/填报单位")),
)
FILER_COLUMNS = (
    Column("code", gettext_lazy("组织编码"), ("organisation__code",)),
    Column("name", gettext_lazy("填报单位"), ("organisation__name",)),
    Column("kind", gettext_lazy("类型"), css="hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("revision", gettext_lazy("提交次数"), ("revision",), "num"),
    Column("submitted", gettext_lazy("提交时间"), ("submitted_at",), "hide-sm"),
    Column("open", ""),
)
FORM_COLUMNS = (
    Column("code", gettext_lazy("报表代码"), ("code",)),
    Column("name", gettext_lazy("报表名称"), ("name",)),
    Column("period", gettext_lazy("填报周期"), ("period",)),
    Column("owner", gettext_lazy("制表单位"), ("owner__name",), "hide-sm"),
    Column("versions", gettext_lazy("版本数"), ("n_versions",), "num"),
)


# ---- campaigns ----------------------------------------------------------------------------------
@login_required
def campaign_list(request):
    user = request.user
    campaigns = (Campaign.objects.for_user(user).select_related("version__form", "owner")
                 .order_by("-year", "-created_at", "-pk"))
    flt = CampaignFilter(request.GET)
    year = flt.cleaned_data.get("year") if flt.is_valid() else None
    if year is not None:
        campaigns = campaigns.filter(year=year)
    can_create = bool(scope_paths(user, "reports.change") != [])
    table = Table(request, campaigns, CAMPAIGN_COLUMNS, row_template="reports/list.html#row", filterset=flt,
                  per_page=30, table_id="campaigns", empty=Empty(
                      _("暂无填报任务。先在“报表管理”中发布报表版本，再发起填报任务，由下级单位在线填报。"),
                      _("发起第一个填报任务") if can_create else "", reverse("reports:campaign-create") if can_create else "",
                      filtered=_("没有符合条件的填报任务。")))
    page = table.page
    by_campaign: dict[int, dict[str, int]] = {}
    rows = (Submission.objects.for_user(user).filter(campaign__in=[c.pk for c in page]).order_by()
            .values("campaign", "status").annotate(n=Count("id")))
    for r in rows:
        by_campaign.setdefault(r["campaign"], {})[r["status"]] = r["n"]
    for c in page:
        counts = by_campaign.get(c.pk, {})
        c.total = sum(counts.values())
        c.done = counts.get(SubmissionStatus.ACCEPTED, 0)
        c.waiting = counts.get(SubmissionStatus.SUBMITTED, 0)
    mine_orgs = RoleAssignment.objects.filter(user=user).values_list("organisation_id", flat=True)
    mine = (Submission.objects.for_user(user, "reports.change").filter(organisation_id__in=list(mine_orgs),
                                                               campaign__status=CampaignStatus.OPEN)
            .select_related("campaign", "organisation").order_by("campaign__deadline", "pk")[:20])
    return render(request, "reports/list.html", {
        "table": table, "filter": flt, "mine": mine, "today": timezone.localdate(), "can_create": can_create,
    })


@login_required
def campaign_create(request):
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = services.create_campaign(
                request.user, version=d["version"], name=d["name"], year=d["year"], root=d["root"],
                opens_on=d["opens_on"], deadline=d["deadline"], kinds=[k.code for k in d["kinds"]],
                levels=d["levels"], period_label=d["period_label"], remind_days=d["remind_days"],
                include_root=d["include_root"], jump_share=d["jump_share"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, error_messages(exc))
        else:
            messages.success(request, _("已发起填报任务，共 %(n)s 个填报单位。") % {"n": campaign.submissions.count()})
            return redirect("reports:campaign", pk=campaign.pk)
    return render(request, "reports/campaign_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def _progress_filtered(request, campaign: Campaign, subs):
    """The filers of the progress board as filtered there (status, name or code, overdue); the export of the
    board reads the same filter."""
    flt = ProgressFilter(request.GET or None)
    listed = subs.select_related("organisation", "organisation__kind")
    if flt.is_valid():
        d = flt.cleaned_data
        if d.get("status"):
            listed = listed.filter(status=d["status"])
        if d.get("q"):
            listed = listed.filter(Q(organisation__name__contains=d["q"]) | Q(organisation__code=d["q"]))
        if d.get("overdue") and timezone.localdate() > campaign.deadline:
            listed = listed.exclude(status__in=services.DONE)
        elif d.get("overdue"):
            listed = listed.none()
    return flt, listed


@login_required
def campaign_detail(request, pk: int):
    """The progress board: counts per status and the filers of each status (filters, sorting, pages)."""
    user = request.user
    campaign = get_in_scope(Campaign.objects.select_related("version__form", "owner"), user, pk)
    subs = Submission.objects.for_user(user).filter(campaign=campaign)
    counts = _counts(subs)
    today = timezone.localdate()
    flt, listed = _progress_filtered(request, campaign, subs)
    can_export = user_can(user, "reports.export", campaign.org_path) or bool(scope_paths(user, "reports.export") != [])
    table = Table(request, listed.order_by("org_path"), FILER_COLUMNS, row_template="reports/campaign.html#row",
                  filterset=flt, table_id="filer-table",
                  export_url=reverse("reports:campaign-export", args=[campaign.pk]) if can_export else "",
                  empty=Empty(_("本任务在您的范围内没有填报单位。"), filtered=_("没有符合条件的填报单位。")))
    page = table.page
    overdue = today > campaign.deadline
    for s in page:
        s.overdue = overdue and s.status not in services.DONE
        s.reviewable = services.can_review(user, s) and Submission.WORKFLOW.allows(s, "accept")
    context = {
        "campaign": campaign, "counts": _status_cards(counts), "total": sum(counts.values()),
        "flow": Campaign.WORKFLOW,
        "table": table, "filter": flt, "overdue": overdue, "days_left": (campaign.deadline - today).days,
        "can_change": user_can(user, "reports.change", campaign.org_path), "can_export": can_export,
        "can_import": Submission.objects.for_user(user, "reports.change").filter(campaign=campaign).exists()
        and campaign.status == CampaignStatus.OPEN,
    }
    template = "reports/campaign.html#filers" if request.htmx else "reports/campaign.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def campaign_close(request, pk: int):
    campaign = get_in_scope(Campaign.objects, request.user, pk, "reports.change")
    form = CampaignTransitionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请求无效。"))
        services.transition_campaign(request.user, campaign, form.cleaned_data["transition"])
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, join_messages(error_messages(exc)))
    return redirect("reports:campaign", pk=campaign.pk)


@login_required
def campaign_export(request, pk: int):
    campaign = get_in_scope(Campaign.objects.select_related("version"), request.user, pk, "reports.export")
    subs = Submission.objects.for_user(request.user, "reports.export").filter(campaign=campaign)
    subs = _progress_filtered(request, campaign, subs)[1]  # the board's filters, when its link sends them
    return xlsx_sheets_response(campaign.name, excel.submission_sheets(campaign, subs))


# ---- aggregate ----------------------------------------------------------------------------------
def _aggregate(request, pk: int, action: str):
    user = request.user
    campaign = get_in_scope(Campaign.objects.select_related("version__form", "owner"), user, pk, action)
    node_pk = request.GET.get("node")
    node = get_in_scope(Organisation.objects, user, node_pk, action) if node_pk else campaign.owner
    labels = S.figure_keys(campaign.version.schema)
    keys = [k for k in request.GET.getlist("keys") if k in labels] or agg.default_keys(campaign)
    include = request.GET.get("submitted") == "1"
    return campaign, agg.aggregate(user, campaign, node, keys, include_submitted=include, action=action), labels


@login_required
def aggregate_page(request, pk: int):
    campaign, result, labels = _aggregate(request, pk, "reports.view")
    node = result.node
    crumbs: list[Organisation] = []
    if node.path.startswith(campaign.org_path) and node.pk != campaign.owner_id:
        paths = [node.path[:i] for i in range(len(campaign.org_path), len(node.path), Organisation.steplen)]
        crumbs = [o for o in Organisation.objects.filter(path__in=paths).order_by("path")
                  if user_can(request.user, "reports.view", o.path) or o.pk == campaign.owner_id]
    context = {"campaign": campaign, "agg": result, "labels": labels, "crumbs": crumbs,
               "include_submitted": request.GET.get("submitted") == "1", "query": request.GET.urlencode()}
    template = "reports/aggregate.html#table" if request.htmx else "reports/aggregate.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def aggregate_export(request, pk: int):
    campaign, result, _labels = _aggregate(request, pk, "reports.export")
    return xlsx_sheets_response(_("%(c)s-汇总") % {"c": campaign.name}, excel.aggregate_sheets(result))


# ---- Excel import -------------------------------------------------------------------------------
@login_required
def import_template(request, pk: int):
    campaign = get_in_scope(Campaign.objects.select_related("version"), request.user, pk)
    subs = list(Submission.objects.for_user(request.user, "reports.change").filter(campaign=campaign)
                .select_related("organisation").order_by("org_path"))
    if not subs:
        raise Http404(_("本任务中没有您可填报的单位。"))
    buf = io.BytesIO()
    excel.write_template(buf, campaign, subs)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    name = _("%(c)s-离线填报模板.xlsx") % {"c": campaign.name}
    response["Content-Disposition"] = f"attachment; filename=\"template.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def import_upload(request, pk: int):
    campaign = get_in_scope(Campaign.objects.select_related("version"), request.user, pk)
    if not Submission.objects.for_user(request.user, "reports.change").filter(campaign=campaign).exists():
        raise Http404(_("本任务中没有您可填报的单位。"))
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = excel.import_file(request.user, campaign, form.cleaned_data["file"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error("file", error_messages(exc))
            status = 400
        else:
            if result.ok:
                messages.success(request, _("导入成功：%(n)s 个单位的填报已提交待审核，跳过空行 %(s)s 个。")
                                 % {"n": result.imported, "s": result.skipped})
                return redirect("reports:campaign", pk=campaign.pk)
            status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "reports/import.html", {"campaign": campaign, "form": form, "result": result},
                  status=status)


# ---- filling ------------------------------------------------------------------------------------
def _submission(request, pk: int, action: str = "reports.view") -> Submission:
    sub: Submission = get_in_scope(
        Submission.objects.select_related("campaign__version__form", "campaign__owner", "organisation"),
        request.user, pk, action)
    return sub


@login_required
def submission_fill(request, pk: int):
    sub = _submission(request, pk)
    user = request.user
    if not services.can_fill(user, sub):
        return redirect("reports:review", pk=sub.pk)
    schema = sub.campaign.version.schema
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = sub.data or {}
    notice = ""
    status = 200
    if request.method == "POST":
        pressed = FillActionForm(request.POST)
        # The form's own fields are read by the form engine from the version's schema (kexie.formkit.fill).
        raw = fill.raw_from_post(schema, request.POST)
        errors = fill.store_uploads(schema, f"reports/{sub.campaign_id}/{sub.pk}", request.POST, request.FILES, raw)
        action = pressed.cleaned_data["action"] if pressed.is_valid() else ""
        if not action:
            errors[S.ALL] = [_("请求无效。")]
        data = {**{k: v for k, v in data.items() if S.field_map(schema).get(k, {}).get("type") == "file"}, **raw}
        if errors and action:  # an attachment was refused: the rest is checked too, so every problem shows at once
            checked = services.validate(sub, raw) if action in ("submit", "validate") else \
                S.clean(schema, raw, submit=False, year=sub.campaign.year)
            for key, found in checked.errors.items():
                if key not in errors:
                    errors[key] = found
        if not errors:
            try:
                if action == "submit":
                    services.submit(user, sub, raw)
                    messages.success(request, _("已提交，等待上级审核。"))
                    return redirect("reports:review", pk=sub.pk)
                if action == "validate":
                    result = services.validate(sub, raw)
                    errors, notice = result.errors, fill.status_message(result.ok)
                    if result.ok:
                        services.save_draft(user, sub, raw)
                else:
                    services.save_draft(user, sub, raw)
                    messages.success(request, _("草稿已保存。"))
                    return redirect("reports:submission", pk=sub.pk)
            except services.SubmissionInvalid as exc:
                errors = exc.result.errors
            except (ValidationError, PermissionDenied) as exc:
                errors = {S.ALL: error_messages(exc)}
        status = 400 if errors else 200
    else:
        sub = services.open_for_filling(user, sub)
        data = sub.data or {}
    before = services.previous_year(user, sub)
    previous, warnings = services.year_on_year(schema, data, before.data if before else None, sub.campaign.jump_share)
    context = {
        "sub": sub, "campaign": sub.campaign,
        "sections": fill.views(schema, data, errors, previous=previous, warnings=warnings), "previous_sub": before,
        "rule_errors": fill.rule_errors(errors), "error_count": sum(len(v) for v in errors.values()),
        "notice": notice, "rules": S.rules(schema), "overdue": timezone.localdate() > sub.campaign.deadline,
        "events": sub.events.select_related("actor").order_by("-at", "-id")[:5],
    }
    return render(request, "reports/fill.html", context, status=status)


@login_required
@require_POST
def submission_rows(request, pk: int):
    """htmx: the table field re-rendered from the posted cells with a row added or removed."""
    sub = _submission(request, pk, "reports.change")
    if not services.can_fill(request.user, sub):
        raise PermissionDenied(_("该填报当前不能修改。"))
    try:
        fv = fill.edit_table(sub.campaign.version.schema, request.POST)
    except fill.TableFull as exc:
        return HttpResponse(str(exc), status=422)
    if fv is None:
        raise Http404(_("没有这个表格。"))
    return render(request, "reports/fill.html#table", {"f": fv, "sub": sub, "editable": True})


@login_required
def submission_file(request, pk: int):
    sub = _submission(request, pk)
    return fill.attachment_response(sub.campaign.version.schema, sub.data, request.GET.get("key", ""),
                                    f"reports/{sub.campaign_id}/{sub.pk}")


@login_required
def submission_review(request, pk: int):
    sub = _submission(request, pk)
    user = request.user
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            raise PermissionDenied(_("请求无效。"))
        decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
        try:
            if decision == "accept":
                services.accept(user, sub, comment)
                messages.success(request, _("已审核通过。"))
            elif decision == "return":
                services.return_submission(user, sub, comment)
                messages.success(request, _("已退回，填报单位将收到通知。"))
            else:
                services.withdraw(user, sub)
                messages.success(request, _("已撤回，可以修改后重新提交。"))
                return redirect("reports:submission", pk=sub.pk)
        except PermissionDenied:
            raise
        except ValidationError as exc:
            messages.error(request, join_messages(error_messages(exc)))
            return render(request, "reports/review.html", _review_context(request, sub, form), status=400)
        return redirect("reports:review", pk=sub.pk)
    return render(request, "reports/review.html", _review_context(request, sub, form))


def _review_context(request, sub: Submission, form: ReviewForm) -> dict[str, Any]:
    user = request.user
    schema = sub.campaign.version.schema
    events = list(SubmissionEvent.objects.for_user(user).filter(submission=sub).select_related("actor")
                  .order_by("at", "id"))
    before = services.previous_year(user, sub)
    previous, warnings = services.year_on_year(schema, sub.data or {}, before.data if before else None,
                                               sub.campaign.jump_share)
    return {
        "sub": sub, "campaign": sub.campaign, "sections": fill.views(schema, sub.data or {}, {}, {}, previous=previous,
                                                                      warnings=warnings),
        "events": events, "form": form,
        # Permissions; which buttons show is the table's answer (``sub|allows:"…"``, ``Submission.WORKFLOW``).
        "is_reviewer": services.can_review(user, sub),
        "is_filer": user_can(user, "reports.change", sub.org_path) and sub.campaign.status == CampaignStatus.OPEN,
        "can_fill": services.can_fill(user, sub), "flow": Submission.WORKFLOW,
    }


# ---- forms and versions -------------------------------------------------------------------------
@login_required
def form_list(request):
    user = request.user
    create = ReportFormCreateForm(request.POST or None, user=user)
    if request.method == "POST" and create.is_valid():
        d = create.cleaned_data
        try:
            form = services.create_form(user, owner=d["owner"], code=d["code"], name=d["name"],
                                        description=d["description"], period=d["period"])
        except (ValidationError, PermissionDenied) as exc:
            create.add_error(None, error_messages(exc))
        else:
            return redirect("reports:version", pk=form.versions.get().pk)
    forms_qs = (ReportForm.objects.for_user(user).alive().select_related("owner")
                .annotate(n_versions=Count("versions")).order_by("code"))
    can_create = bool(scope_paths(user, "reports.change") != [])
    table = Table(request, forms_qs, FORM_COLUMNS, row_template="reports/forms.html#row", table_id="forms",
                  empty=Empty(_("暂无报表。新建报表后在版本页设计表单，发布后即可发起填报任务。") if can_create
                              else _("暂无报表。报表由上级科协制定并发布。"),
                              _("新建第一张报表") if can_create else "", "#new-form" if can_create else ""))
    return render(request, "reports/forms.html", {
        "table": table, "create": create, "can_create": can_create,
    }, status=400 if request.method == "POST" else 200)


@login_required
def form_detail(request, pk: int):
    user = request.user
    form = get_in_scope(ReportForm.objects.select_related("owner"), user, pk)
    can_change = user_can(user, "reports.change", form.org_path)
    meta = FormMetaForm(request.POST or None, initial={"name": form.name, "period": form.period,
                                                       "description": form.description})
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("您无权修改该报表。"))
        if meta.is_valid():
            services.edit_form(user, form, **meta.cleaned_data)
            messages.success(request, _("已保存。"))
            return redirect("reports:form", pk=form.pk)
    versions = FormVersion.objects.for_user(user).filter(form=form).annotate(n_campaigns=Count("campaigns"))
    campaigns = Campaign.objects.for_user(user).filter(version__form=form).select_related("version")[:20]
    return render(request, "reports/form.html", {"form_obj": form, "meta": meta, "versions": versions,
                                                 "campaigns": campaigns, "can_change": can_change},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def form_new_version(request, pk: int):
    form = get_in_scope(ReportForm.objects, request.user, pk, "reports.change")
    try:
        version = services.new_version(request.user, form)
    except ValidationError as exc:
        messages.error(request, join_messages(error_messages(exc)))
        return redirect("reports:form", pk=form.pk)
    return redirect("reports:version", pk=version.pk)


def _version_context(request, version: FormVersion, edit_problems: list[str] | None = None) -> dict[str, Any]:
    editable = version.status == VersionStatus.DRAFT and user_can(request.user, "reports.change", version.org_path)
    builder = editor.context(version.schema, edit_url=reverse("reports:version-edit", args=[version.pk]),
                             editable=editable, prefill=METRICS, edit_problems=edit_problems)
    return {"version": version, "form_obj": version.form, "editable": editable, "builder": builder,
            "upload": SchemaUploadForm(),
            "can_change": user_can(request.user, "reports.change", version.org_path)}


@login_required
def version_detail(request, pk: int):
    version = get_in_scope(FormVersion.objects.select_related("form"), request.user, pk)
    return render(request, "reports/version.html", _version_context(request, version))


@login_required
@require_POST
def version_edit(request, pk: int):
    """One builder operation on a draft version (kexie.formkit.editor): sections, fields, table columns and rules
    added, changed, removed, reordered. The changed schema is checked as a whole before it is saved."""
    version = get_in_scope(FormVersion.objects.select_related("form"), request.user, pk, "reports.change")
    problems: list[str] = []
    try:
        schema = editor.apply_edit(version.schema, request.POST, prefill=METRICS)
        version = services.save_schema(request.user, version, schema)
    except ValidationError as exc:
        problems = error_messages(exc)
    if request.htmx:
        return render(request, "formkit/_builder.html", _version_context(request, version, problems),
                      status=400 if problems else 200)
    if problems:
        messages.error(request, join_messages(problems))
    else:
        messages.success(request, _("已保存。"))
    return redirect("reports:version", pk=version.pk)


@login_required
@require_POST
def version_publish(request, pk: int):
    version = get_in_scope(FormVersion.objects, request.user, pk, "reports.change")
    try:
        services.publish(request.user, version)
    except ValidationError as exc:
        messages.error(request, join_messages(error_messages(exc)))
    else:
        messages.success(request, _("已发布第 %(n)s 版；已发布的版本不能再修改。") % {"n": version.number})
    return redirect("reports:version", pk=version.pk)


@login_required
def version_json(request, pk: int):
    version = get_in_scope(FormVersion.objects.select_related("form"), request.user, pk)
    body = json.dumps(version.schema, ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"{version.form.code}-v{version.number}.json"
    response["Content-Disposition"] = f"attachment; filename=\"{name}\""
    return response


@login_required
@require_POST
def version_upload(request, pk: int):
    version = get_in_scope(FormVersion.objects.select_related("form"), request.user, pk, "reports.change")
    form = SchemaUploadForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(_("请选择要上传的 JSON 文件。"))
        services.save_schema(request.user, version, schema_from_upload(form.cleaned_data["file"]))
    except ValidationError as exc:
        messages.error(request, join_messages(error_messages(exc)))
    else:
        messages.success(request, _("已用上传的文件替换表单结构。"))
    return redirect("reports:version", pk=version.pk)
