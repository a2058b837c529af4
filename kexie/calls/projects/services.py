"""Funded topics after the results (立项 → 中期检查 → 结题): writes and reminders.

A call with ``tracks_projects`` turns each approved application into a ``Project`` once its results are final
(``establish``, by the call's staff, again after an appeal changes a result). A project has a midterm report
(when ``midterm_month`` > 0) and a final report, each due at a date computed from the call's periods. The
project's leader (whoever may fill the application) fills and submits a report; the call's staff pass it,
return it for revision with a reason, or fail it. A failed midterm terminates the project; a passed final
concludes it and keeps its outputs (papers, patents, reports …) for the results library; a failed final
closes it as 结题未通过. Staff may extend a project once (by up to 12 months) or terminate it with a reason.
Every step is a ``ProjectEvent`` with the report's data as submitted, and an audit row."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.calls.applications.services import can_fill
from kexie.calls.common import ApplicationInvalid
from kexie.calls.models import (
    Application,
    ApplicationStatus,
    Call,
    Project,
    ProjectAction,
    ProjectEvent,
    ProjectReport,
    ProjectReportStatus,
    ProjectStatus,
    ReportKind,
)
from kexie.core.audit import log_action, snapshot
from kexie.core.scope import user_can
from kexie.core.services import is_system, require
from kexie.formkit import schema as S
from kexie.notices.services import notify

MAX_EXTENSIONS = 1
MAX_EXTENSION_MONTHS = 12
REMIND_DAYS = 14
EDITABLE = ProjectReport.WORKFLOW.sources("fill")

# Output figures a report gives, in the order of the results library; the final report's are the project's.
OUTPUT_KEYS = ("papers", "patents", "standards", "advisory_reports", "adopted", "talents")

_OUTPUTS = [
    {"key": "papers", "label": "发表论文", "label_en": "Papers published", "type": "number", "unit": "篇",
     "unit_en": "papers", "min": 0},
    {"key": "patents", "label": "申请或授权专利", "label_en": "Patents filed or granted", "type": "number",
     "unit": "件", "unit_en": "patents", "min": 0},
    {"key": "standards", "label": "制定标准", "label_en": "Standards drafted", "type": "number", "unit": "项",
     "unit_en": "standards", "min": 0},
    {"key": "advisory_reports", "label": "咨询报告", "label_en": "Advisory reports", "type": "number", "unit": "篇",
     "unit_en": "reports", "min": 0},
    {"key": "adopted", "label": "被采纳或获批示", "label_en": "Adopted or endorsed by officials", "type": "number",
     "unit": "项", "unit_en": "items", "min": 0},
    {"key": "talents", "label": "培养人才", "label_en": "Researchers trained", "type": "number", "unit": "人",
     "unit_en": "persons", "min": 0},
    {"key": "spent", "label": "已支出经费", "label_en": "Funds spent", "type": "number", "unit": "万元",
     "unit_en": "10,000 yuan", "min": 0, "decimals": 2,
     "required": True},
]
_ACHIEVEMENTS = {"key": "achievements", "label": "代表性成果", "label_en": "Representative outputs", "type": "table",
                 "max_rows": 50, "columns": [
    {"key": "name", "label": "成果名称", "label_en": "Output", "type": "text", "required": True},
    {"key": "kind", "label": "类型", "label_en": "Type", "type": "choice",
     "choices": [{"value": "论文", "label_en": "Paper"}, {"value": "专利", "label_en": "Patent"},
                 {"value": "标准", "label_en": "Standard"}, {"value": "咨询报告", "label_en": "Advisory report"},
                 {"value": "软件著作权", "label_en": "Software copyright"},
                 {"value": "新产品", "label_en": "New product"}, {"value": "其他", "label_en": "Other"}]},
    {"key": "date", "label": "时间", "label_en": "Date", "type": "date"},
    {"key": "note", "label": "说明（刊物、专利号、采纳单位等）",
     "label_en": "Details (journal, patent number, adopting body, etc.)", "type": "text"},
]}
_FILE = {"key": "attachment", "label": "报告全文及佐证材料",
         "label_en": "Full report and supporting documents", "type": "file", "extensions": ["pdf", "doc", "docx", "zip"]}

# The report forms, in the schema language of ``kexie.formkit.schema`` (validated by ``S.clean``).
SCHEMAS: dict[str, dict[str, Any]] = {
    ReportKind.MIDTERM: {"sections": [
        {"key": "progress", "title": "研究进展", "title_en": "Research Progress", "fields": [
            {"key": "progress", "label": "研究进展与阶段性成果", "label_en": "Progress and interim results",
             "type": "text", "multiline": True, "required": True},
            {"key": "problems", "label": "存在的问题", "label_en": "Problems encountered", "type": "text", "multiline": True},
            {"key": "plan", "label": "下一阶段计划", "label_en": "Plan for the next stage", "type": "text", "multiline": True, "required": True},
        ]},
        {"key": "outputs", "title": "阶段成果与经费", "title_en": "Interim Outputs and Funding", "fields": [*_OUTPUTS, _ACHIEVEMENTS]},
        {"key": "files", "title": "附件", "title_en": "Attachments", "fields": [_FILE]},
    ], "rules": []},
    ReportKind.FINAL: {"sections": [
        {"key": "summary", "title": "完成情况", "title_en": "Completion", "fields": [
            {"key": "summary", "label": "研究工作总结", "label_en": "Summary of the research", "type": "text", "multiline": True, "required": True},
            {"key": "goals", "label": "目标完成情况", "label_en": "Attainment of objectives", "type": "choice",
             "required": True,
             "choices": [{"value": "全面完成", "label_en": "Fully attained"},
                         {"value": "基本完成", "label_en": "Largely attained"},
                         {"value": "部分完成", "label_en": "Partly attained"},
                         {"value": "未完成", "label_en": "Not attained"}]},
            {"key": "impact", "label": "成果应用与社会效益",
             "label_en": "Application of results and social benefits", "type": "text", "multiline": True},
        ]},
        {"key": "outputs", "title": "成果与经费", "title_en": "Outputs and Funding", "fields": [*_OUTPUTS, _ACHIEVEMENTS]},
        {"key": "files", "title": "附件", "title_en": "Attachments", "fields": [{**_FILE, "required": True}]},
    ], "rules": []},
}


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _today() -> dt.date:
    return timezone.localdate()


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None



def _event(actor: Any, project: Project, action: str, *, report: ProjectReport | None = None, comment: str = "",
           data: Any = None) -> None:
    ProjectEvent.objects.create(project=project, report=report, action=action, actor=_user(actor),
                                comment=comment[:4000], data=data, org_path=project.org_path)


def is_leader(user: Any, project: Project) -> bool:
    """The project's leader: whoever may fill its application (the applicant, or the applying organisation's
    staff)."""
    return can_fill(user, project.application)


def is_staff(user: Any, project: Project) -> bool:
    return bool(user_can(user, "calls.change", project.call.org_path))


# ---- 立项 -----------------------------------------------------------------------------------------
@transaction.atomic
def establish(actor: Any, call: Call, *, starts: dt.date | None = None) -> int:
    """Create the projects of the call's approved applications that have none yet; returns how many."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    require(actor, "calls.change", call.org_path)
    if not call.tracks_projects:
        raise ValidationError(_("该批次不跟踪立项课题。"))
    if call.results_published_at is None:
        raise ValidationError(_("结果发布后方可立项。"))
    starts = starts or _today()
    apps = list(Application.objects.filter(call=call, status=ApplicationStatus.APPROVED, project__isnull=True)
                .select_related("applicant_person__user").order_by("id"))
    taken = set(Project.objects.filter(call=call).values_list("code", flat=True))
    seq = len(taken)
    created = 0
    for app in apps:
        seq += 1
        code = f"{call.code}-{seq:03d}"
        while code in taken:
            seq += 1
            code = f"{call.code}-{seq:03d}"
        taken.add(code)
        ends = add_months(starts, call.project_months)
        project = Project.objects.create(call=call, application=app, code=code, title=app.title,
                                         org_path=app.org_path, funding=app.funding or call.funding_per_item,
                                         starts=starts, ends=ends)
        if call.midterm_month:
            ProjectReport.objects.create(project=project, kind=ReportKind.MIDTERM, org_path=project.org_path,
                                         due=add_months(starts, call.midterm_month))
        ProjectReport.objects.create(project=project, kind=ReportKind.FINAL, due=ends, org_path=project.org_path)
        _event(actor, project, ProjectAction.ESTABLISHED, comment=_("立项编号 %(c)s，研究期限 %(s)s 至 %(e)s。") % {
            "c": code, "s": starts.isoformat(), "e": ends.isoformat()})
        log_action(actor, "calls.project.established", project, scope_path=project.org_path,
                   after=snapshot(project, Project.AUDIT_FIELDS))
        person = app.applicant_person
        if person is not None and person.user is not None:
            notify([person.user], title=_("课题已立项：%(t)s") % {"t": app.title},
                   body=_("立项编号 %(c)s，请按期提交中期检查和结题报告。") % {"c": code},
                   url=reverse("calls:project", args=[project.pk]), key=f"calls-project-{project.pk}")
        created += 1
    return created


# ---- reports --------------------------------------------------------------------------------------
def _lock_report(report: ProjectReport) -> ProjectReport:
    fresh: ProjectReport = (ProjectReport.objects.select_for_update(of=("self",))
                            .select_related("project__call", "project__application__applicant_person__user")
                            .get(pk=report.pk))
    return fresh


def _require_leader(actor: Any, report: ProjectReport) -> None:
    if not is_system(actor) and not is_leader(actor, report.project):
        raise PermissionDenied(_("只有课题负责人可以填写课题报告。"))


def _check_open(report: ProjectReport, name: str = "fill") -> None:
    if not Project.WORKFLOW.allows(report.project, "report"):
        raise ValidationError(_("课题%(s)s，不能再提交报告。") % {"s": report.project.get_status_display()})
    ProjectReport.WORKFLOW.check(report, name)


def _clean(report: ProjectReport, raw: Mapping[str, Any], *, submit: bool) -> dict[str, Any]:
    result = S.clean(SCHEMAS[report.kind], raw, submit=submit)
    errors = dict(result.errors)
    spent, funding = result.data.get("spent"), report.project.funding
    if spent is not None and funding is not None and Decimal(str(spent)) > funding:
        errors.setdefault("spent", []).append(
            _("已支出经费（%(s)s 万元）超过资助金额（%(f)s 万元）。") % {"s": spent, "f": funding})
    if errors:
        raise ApplicationInvalid(errors)
    return result.data


@transaction.atomic
def save_report(actor: Any, report: ProjectReport, raw: Mapping[str, Any]) -> ProjectReport:
    report = _lock_report(report)
    _require_leader(actor, report)
    _check_open(report)
    report.data = _clean(report, raw, submit=False)
    report.save(update_fields=["data"])
    _event(actor, report.project, ProjectAction.SAVED, report=report)
    return report


@transaction.atomic
def submit_report(actor: Any, report: ProjectReport, raw: Mapping[str, Any] | None = None) -> ProjectReport:
    report = _lock_report(report)
    _require_leader(actor, report)
    _check_open(report, "submit")
    if report.kind == ReportKind.FINAL:
        midterm = ProjectReport.objects.filter(project=report.project, kind=ReportKind.MIDTERM).first()
        if midterm is not None and midterm.status != ProjectReportStatus.PASSED:
            raise ValidationError(_("中期检查通过后方可提交结题报告。"))
    report.data = _clean(report, raw if raw is not None else report.data, submit=True)
    ProjectReport.WORKFLOW.apply(report, "submit")
    report.revision += 1
    report.submitted_at = timezone.now()
    report.save(update_fields=["data", "status", "revision", "submitted_at"])
    _event(actor, report.project, ProjectAction.SUBMITTED, report=report, data=report.data)
    log_action(actor, "calls.project.report_submitted", report.project, scope_path=report.org_path,
               extra={"kind": report.kind, "revision": report.revision})
    return report


VERDICTS = {"pass": ProjectReportStatus.PASSED, "return": ProjectReportStatus.RETURNED,
            "fail": ProjectReportStatus.FAILED}


@transaction.atomic
def judge_report(actor: Any, report: ProjectReport, verdict: str, comment: str = "") -> ProjectReport:
    """The call's staff: 通过, 退回修改 (reason required) or 不通过 (reason required)."""
    report = _lock_report(report)
    project = Project.objects.select_for_update().get(pk=report.project_id)
    require(actor, "calls.change", report.project.call.org_path)
    if verdict not in VERDICTS:
        raise ValidationError(_("请选择审核结论。"))
    ProjectReport.WORKFLOW.check(report, verdict)
    comment = comment.strip()
    if verdict != "pass" and not comment:
        raise ValidationError(_("退回或不通过须填写审核意见。"))
    if len(comment) > 4000:
        raise ValidationError(_("审核意见不能超过 4000 字。"))
    before = snapshot(project, Project.AUDIT_FIELDS)
    ProjectReport.WORKFLOW.apply(report, verdict)
    report.verdict_comment = comment
    report.reviewed_by, report.reviewed_at = _user(actor), timezone.now()
    report.save(update_fields=["status", "verdict_comment", "reviewed_by", "reviewed_at"])
    action = {"pass": ProjectAction.PASSED, "return": ProjectAction.RETURNED, "fail": ProjectAction.FAILED}[verdict]
    _event(actor, project, action, report=report, comment=comment)
    if report.kind == ReportKind.MIDTERM and verdict == "fail":
        Project.WORKFLOW.apply(project, "terminate")
        project.status_reason = _("中期检查不通过：%(r)s") % {"r": comment}
        _event(actor, project, ProjectAction.TERMINATED, comment=project.status_reason)
    elif report.kind == ReportKind.FINAL and verdict == "pass":
        Project.WORKFLOW.apply(project, "conclude")
        project.status_reason = comment
        project.outputs = {k: report.data.get(k, 0) for k in OUTPUT_KEYS} | {
            "achievements": report.data.get("achievements", []), "goals": report.data.get("goals", ""),
            "spent": report.data.get("spent")}
        _event(actor, project, ProjectAction.CONCLUDED, comment=comment)
    elif report.kind == ReportKind.FINAL and verdict == "fail":
        Project.WORKFLOW.apply(project, "fail")
        project.status_reason = comment
    project.save()
    log_action(actor, "calls.project.report_judged", project, scope_path=project.org_path, before=before,
               after=snapshot(project, Project.AUDIT_FIELDS), extra={"kind": report.kind, "verdict": verdict})
    person = project.application.applicant_person
    if person is not None and person.user is not None:
        notify([person.user], title=_("%(k)s报告%(v)s：%(t)s") % {"k": report.get_kind_display(),
                                                               "v": report.get_status_display(), "t": project.title},
               body=comment or project.title, url=reverse("calls:project", args=[project.pk]),
               key=f"calls-project-report-{report.pk}-{report.revision}-{report.status}")
    return report


# ---- extension and termination -------------------------------------------------------------------
def _lock_project(actor: Any, project: Project, name: str) -> Project:
    fresh: Project = Project.objects.select_for_update(of=("self",)).select_related("call").get(pk=project.pk)
    require(actor, "calls.change", fresh.call.org_path)
    if not Project.WORKFLOW.allows(fresh, name):
        raise ValidationError(_("课题%(s)s，不能再延期或终止。") % {"s": fresh.get_status_display()})
    return fresh


@transaction.atomic
def extend(actor: Any, project: Project, new_end: dt.date, reason: str) -> Project:
    """延期: once, by at most 12 months; the final report's due date moves with the end date."""
    project = _lock_project(actor, project, "extend")
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请填写延期理由。"))
    if project.extensions >= MAX_EXTENSIONS:
        raise ValidationError(_("课题只能延期一次。"))
    if new_end <= project.ends:
        raise ValidationError(_("新的完成日期应晚于原计划完成日期（%(d)s）。") % {"d": project.ends.isoformat()})
    if new_end > add_months(project.ends, MAX_EXTENSION_MONTHS):
        raise ValidationError(_("延期不能超过 %(m)s 个月。") % {"m": MAX_EXTENSION_MONTHS})
    before = snapshot(project, Project.AUDIT_FIELDS)
    old = project.ends
    project.ends, project.extensions = new_end, project.extensions + 1
    project.save(update_fields=["ends", "extensions", "updated_at"])
    ProjectReport.objects.filter(project=project, kind=ReportKind.FINAL).update(due=new_end)
    _event(actor, project, ProjectAction.EXTENDED, comment=_("由 %(a)s 延期至 %(b)s：%(r)s") % {
        "a": old.isoformat(), "b": new_end.isoformat(), "r": reason})
    log_action(actor, "calls.project.extended", project, scope_path=project.org_path, before=before,
               after=snapshot(project, Project.AUDIT_FIELDS), extra={"reason": reason})
    return project


@transaction.atomic
def terminate(actor: Any, project: Project, reason: str) -> Project:
    project = _lock_project(actor, project, "terminate")
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请填写终止理由。"))
    before = snapshot(project, Project.AUDIT_FIELDS)
    Project.WORKFLOW.apply(project, "terminate")
    project.status_reason = reason[:4000]
    project.save(update_fields=["status", "status_reason", "updated_at"])
    _event(actor, project, ProjectAction.TERMINATED, comment=reason)
    log_action(actor, "calls.project.terminated", project, scope_path=project.org_path, before=before,
               after=snapshot(project, Project.AUDIT_FIELDS))
    return project


# ---- reminders -------------------------------------------------------------------------------------
def remind_due(today: dt.date | None = None) -> int:
    """Daily: remind the leaders of ongoing projects whose report is due within 14 days or overdue (once a week
    per report: the key holds the ISO week)."""
    today = today or _today()
    reports = (ProjectReport.objects.filter(status__in=EDITABLE, project__status=ProjectStatus.ONGOING,
                                            due__lte=today + dt.timedelta(days=REMIND_DAYS))
               .select_related("project__application__applicant_person__user"))
    week = "{}-{:02d}".format(*today.isocalendar()[:2])
    sent = 0
    for report in reports:
        person = report.project.application.applicant_person
        if person is None or person.user is None:
            continue
        late = report.due < today
        title = (_("%(k)s报告已逾期：%(t)s") if late else _("%(k)s报告即将截止：%(t)s")) % {
            "k": report.get_kind_display(), "t": report.project.title}
        sent += notify([person.user], title=title, body=_("提交截止：%(d)s") % {"d": report.due.isoformat()},
                           url=reverse("calls:project", args=[report.project_id]),
                           key=f"calls-project-due-{report.pk}-{week}", email=True)
    return sent
