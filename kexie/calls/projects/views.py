"""Pages of funded topics (立项 → 中期检查 → 结题). Thin: writes are in ``projects``. Lookups go through the scope
helper, except the leader's own project (the applicant's, as with ``views._application``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.calls.common import ApplicationInvalid
from kexie.calls.formfields import filter_values, first_error
from kexie.calls.models import Project, ProjectReport, ProjectReportStatus, ProjectStatus
from kexie.calls.pages import _call, _refuse
from kexie.calls.projects import forms as F
from kexie.calls.projects import services as projects
from kexie.core.export import xlsx_response
from kexie.core.http import error_messages
from kexie.core.scope import get_in_scope, scope_paths
from kexie.core.tables import Column, Empty, Table
from kexie.formkit import fill
from kexie.formkit import schema as S

RELATED = ("call", "call__owner", "application__applicant_person", "application__applicant_org",
           "application__nominator")


def _project(request: Any, pk: int, action: str = "calls.view") -> Project:
    found: Project = get_in_scope(Project.objects.select_related(*RELATED), request.user, pk, action,
                                  own=Q(application__applicant_person__user=request.user))
    return found


def _report(request: Any, pk: int, action: str = "calls.view") -> ProjectReport:
    qs = ProjectReport.objects.select_related(*(f"project__{r}" for r in RELATED))
    found: ProjectReport = get_in_scope(qs, request.user, pk, action,
                                        own=Q(project__application__applicant_person__user=request.user))
    return found


PROJECT_COLUMNS = (
    Column("code", gettext_lazy("立项编号"), ("code",)),
    Column("title", gettext_lazy("课题名称"), ("title",)),
    Column("leader", gettext_lazy("负责人/单位")),
    Column("ends", gettext_lazy("计划完成日期"), ("ends",), "hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("to_review", gettext_lazy("待审核报告"), ("to_review",), "hide-sm num"),
)


def _filtered(request: Any, qs: Any) -> tuple[F.ProjectListFilter, Any]:
    """Projects as the list filters them (status, what waits: a report to review, an overdue report); the call's
    export reads the same filter."""
    flt = F.ProjectListFilter(request.GET)
    d = filter_values(flt)
    if d.get("status"):
        qs = qs.filter(status=d["status"])
    if d.get("pending") == "review":
        qs = qs.filter(reports__status=ProjectReportStatus.SUBMITTED)
    elif d.get("pending") == "overdue":
        qs = qs.filter(status=ProjectStatus.ONGOING, reports__status__in=projects.EDITABLE,
                       reports__due__lt=projects._today())
    return flt, qs.distinct()


def _annotated(qs: Any) -> Any:
    return qs.select_related(*RELATED).annotate(
        to_review=Count("reports", filter=Q(reports__status=ProjectReportStatus.SUBMITTED), distinct=True))


@login_required
def project_list(request):
    """Projects in scope, plus the caller's own as a leader."""
    qs = Project.objects.filter(Q(pk__in=Project.objects.for_user(request.user).values("pk"))
                                | Q(application__applicant_person__user=request.user))
    flt, qs = _filtered(request, qs)
    table = Table(request, _annotated(qs), PROJECT_COLUMNS, row_template="calls/projects.html#row", filterset=flt,
                  table_id="projects", default=("-call__year", "code"), empty=Empty(
                      _("还没有立项课题。评审结果发布后，在申报批次的“立项课题”页为入选申报立项。"), _("查看申报批次"),
                      reverse("calls:list"), filtered=_("没有符合条件的立项课题。")))
    return render(request, "calls/projects.html", {"table": table, "filter": flt, "page": table.page, "call": None})


@login_required
def call_projects(request, pk: int):
    call = _call(request, pk, "calls.change")
    flt, qs = _filtered(request, Project.objects.for_user(request.user).filter(call=call))
    waiting = call.applications.filter(status="approved", project__isnull=True).count() if call.tracks_projects else 0
    can_export = scope_paths(request.user, "calls.export") != []
    table = Table(request, _annotated(qs), PROJECT_COLUMNS, row_template="calls/projects.html#row", filterset=flt,
                  table_id="projects", default=("code",),
                  export_url=reverse("calls:projects-export", args=[call.pk]) if can_export else "",
                  empty=Empty(_("这个批次还没有立项课题。最终结果发布后，为入选申报立项。"),
                              _("立项") if waiting else "", "#establish" if waiting else "",
                              filtered=_("没有符合条件的立项课题。")))
    return render(request, "calls/projects.html", {"table": table, "filter": flt, "page": table.page, "call": call,
                                                   "waiting": waiting, "today": projects._today()})


@login_required
@require_POST
def establish(request, pk: int):
    call = _call(request, pk, "calls.change")
    form = F.EstablishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("开始日期格式应为 YYYY-MM-DD。"))
        return redirect("calls:projects", pk=call.pk)
    try:
        n = projects.establish(request.user, call, starts=form.cleaned_data["starts"])
        messages.success(request, _("已立项 %(n)s 项。") % {"n": n})
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("calls:projects", pk=call.pk)


@login_required
def projects_export(request, pk: int):
    call = _call(request, pk, "calls.change")
    qs = _filtered(request, Project.objects.for_user(request.user, "calls.export").filter(call=call))[1]  # the page's
    qs = qs.select_related(*RELATED).order_by("code")
    reports = {(r.project_id, r.kind): r for r in ProjectReport.objects.filter(project__in=qs)}
    headers = [_("立项编号"), _("课题名称"), _("负责人/单位"), _("推荐单位"), _("资助金额（万元）"), _("开始日期"),
               _("计划完成日期"), _("延期次数"), _("状态"), _("中期检查"), _("中期截止"), _("结题报告"), _("结题截止"),
               *[S.label_of(f) for f in projects._OUTPUTS], _("目标完成情况"), _("说明")]

    def cell(p: Project, kind: str) -> list[Any]:
        r = reports.get((p.pk, kind))
        return [r.get_status_display(), r.due] if r else ["—", ""]

    def rows():
        for p in qs.iterator(chunk_size=500):
            final = reports.get((p.pk, "final"))
            data = (final.data if final and final.data else None) or (
                reports[(p.pk, "midterm")].data if (p.pk, "midterm") in reports else {}) or {}
            yield [p.code, p.title, p.application.applicant_name,
                   p.application.nominator.name if p.application.nominator else "", p.funding, p.starts, p.ends,
                   p.extensions, p.get_status_display(), *cell(p, "midterm"), *cell(p, "final"),
                   *[data.get(f["key"], "") for f in projects._OUTPUTS], data.get("goals", ""), p.status_reason]
    return xlsx_response(f"{call.code}-projects", _("立项课题"), headers, rows())


@login_required
def project_detail(request, pk: int):
    project = _project(request, pk)
    user = request.user
    leader, staff = projects.is_leader(user, project), projects.is_staff(user, project)
    reports = []
    ongoing = Project.WORKFLOW.allows(project, "report")
    for r in project.reports.order_by("due", "id"):
        reports.append({"r": r, "sections": fill.views(projects.SCHEMAS[r.kind], r.data or {}),
                        "can_fill": leader and ongoing and ProjectReport.WORKFLOW.allows(r, "fill"),
                        "can_judge": staff and ProjectReport.WORKFLOW.allows(r, "pass"),
                        "overdue": r.status in projects.EDITABLE and r.due < projects._today()})
    return render(request, "calls/project.html", {
        "project": project, "call": project.call, "app": project.application, "reports": reports,
        "staff": staff, "leader": leader, "flow": Project.WORKFLOW, "report_flow": ProjectReport.WORKFLOW,
        "events": project.events.select_related("actor", "report").order_by("at", "id"),
        "max_end": projects.add_months(project.ends, projects.MAX_EXTENSION_MONTHS),
    })


@login_required
def report_fill(request, pk: int):
    report = _report(request, pk)
    project = report.project
    if not projects.is_leader(request.user, project) or not Project.WORKFLOW.allows(project, "report") \
            or not ProjectReport.WORKFLOW.allows(report, "fill"):
        return redirect("calls:project", pk=project.pk)
    schema = projects.SCHEMAS[report.kind]
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = dict(report.data or {})
    status = 200
    if request.method == "POST":
        action = F.ReportActionForm(request.POST)
        # The report's fields are read by the form engine from the report's schema (kexie.formkit.fill).
        raw = fill.raw_from_post(schema, request.POST)
        errors = fill.store_uploads(schema, f"projects/{report.project_id}/{report.pk}", request.POST, request.FILES,
                                    raw, keep=report.data)
        if not action.is_valid():
            errors[S.ALL] = first_error(action)
        data = raw
        if not errors:
            try:
                if action.cleaned_data["action"] == "submit":
                    projects.submit_report(request.user, report, raw)
                    messages.success(request, _("报告已提交。"))
                    return redirect("calls:project", pk=project.pk)
                projects.save_report(request.user, report, raw)
                messages.success(request, _("草稿已保存。"))
                return redirect("calls:project-report", pk=report.pk)
            except ApplicationInvalid as exc:
                errors = exc.errors
            except (ValidationError, PermissionDenied) as exc:
                errors = {S.ALL: error_messages(exc)}
        status = 400
    return render(request, "calls/project_report.html", {
        "report": report, "project": project, "sections": fill.views(schema, data, errors),
        "general_errors": errors.get(S.ALL, []), "error_count": sum(len(v) for v in errors.values()),
    }, status=status)


@login_required
@require_POST
def report_rows(request, pk: int):
    """htmx: the achievements table re-rendered with a row added or removed."""
    report = _report(request, pk, "calls.change")
    if not projects.is_leader(request.user, report.project) or not ProjectReport.WORKFLOW.allows(report, "fill"):
        raise PermissionDenied(_("该报告当前不能修改。"))
    try:
        fv = fill.edit_table(projects.SCHEMAS[report.kind], request.POST)
    except fill.TableFull as exc:
        return HttpResponse(str(exc), status=422)
    if fv is None:
        raise Http404(_("没有这个表格。"))
    return render(request, "calls/project_report.html#table", {"f": fv, "report": report, "editable": True})


@login_required
def report_file(request, pk: int):
    report = _report(request, pk)
    return fill.attachment_response(projects.SCHEMAS[report.kind], report.data, request.GET.get("key", ""),
                                    f"projects/{report.project_id}/{report.pk}")


@login_required
@require_POST
def report_judge(request, pk: int):
    report = _report(request, pk, "calls.change")
    form = F.JudgeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        projects.judge_report(request.user, report, form.cleaned_data["verdict"], form.cleaned_data["comment"])
        messages.success(request, _("审核结论已保存。"))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("calls:project", pk=report.project_id)


@login_required
@require_POST
def project_extend(request, pk: int):
    project = _project(request, pk, "calls.change")
    form = F.ExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("新的完成日期格式应为 YYYY-MM-DD。"))
        return redirect("calls:project", pk=project.pk)
    try:
        projects.extend(request.user, project, form.cleaned_data["ends"], form.cleaned_data["reason"])
        messages.success(request, _("已延期。"))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("calls:project", pk=project.pk)


@login_required
@require_POST
def project_terminate(request, pk: int):
    project = _project(request, pk, "calls.change")
    form = F.TerminateForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        projects.terminate(request.user, project, form.cleaned_data["reason"])
        messages.success(request, _("课题已终止。"))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("calls:project", pk=project.pk)
