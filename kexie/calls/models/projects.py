"""Funded topics: 立项 → 中期检查 → 结题."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.calls.models.applications import Application, _application_scope
from kexie.calls.models.calls import Call
from kexie.core.fields import PathField
from kexie.core.models import WorkflowEvent
from kexie.core.scope import ScopedQuerySet
from kexie.core.workflow import Transition, Workflow


class ProjectStatus(models.TextChoices):
    ONGOING = "ongoing", _("在研")
    CONCLUDED = "concluded", _("已结题")
    FAILED = "failed", _("结题未通过")
    TERMINATED = "terminated", _("已终止")


# 立项课题: in research until concluded, failed at the final check or terminated.
_ONGOING = {ProjectStatus.ONGOING}
PROJECT_FLOW = Workflow("status", ProjectStatus, [
    Transition("report", _ONGOING, None, _("提交报告")),
    Transition("extend", _ONGOING, None, _("延期")),
    Transition("terminate", _ONGOING, ProjectStatus.TERMINATED, _("终止课题"), style="danger",
               confirm=_("终止后课题不能恢复。确定终止吗？")),
    Transition("conclude", _ONGOING, ProjectStatus.CONCLUDED, _("结题")),
    Transition("fail", _ONGOING, ProjectStatus.FAILED, _("结题未通过")),
])


class Project(models.Model):
    """立项课题: an approved application of a call that tracks projects, followed to its conclusion.

    Scoped like its application (the applicant's organisation, the nominating organisation, the call's owner)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="projects", verbose_name=_("申报批次"))
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="project",
                                       verbose_name=_("申报"))
    code = models.CharField(_("立项编号"), max_length=80, unique=True)
    title = models.CharField(_("课题名称"), max_length=200)
    org_path = PathField(max_length=255, editable=False)  # the application's
    funding = models.DecimalField(_("资助金额（万元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    starts = models.DateField(_("开始日期"))
    ends = models.DateField(_("计划完成日期"))
    extensions = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    status = models.CharField(_("状态"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.ONGOING)
    status_reason = models.TextField(_("说明"), blank=True, max_length=4000)
    # The outputs of the accepted final report (论文, 专利, 咨询报告 …), kept for the results library.
    outputs = models.JSONField(_("成果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("立项时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    WORKFLOW = PROJECT_FLOW

    AUDIT_FIELDS = ("code", "title", "funding", "starts", "ends", "extensions", "status", "status_reason")

    class Meta:
        verbose_name = verbose_name_plural = _("立项课题")
        ordering = ["call", "code"]
        indexes = [models.Index(fields=["org_path"], name="calls_project_org_path"),
                   models.Index(fields=["status", "ends"], name="calls_project_status")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _application_scope(paths)


class ReportKind(models.TextChoices):
    MIDTERM = "midterm", _("中期检查")
    FINAL = "final", _("结题")


class ProjectReportStatus(models.TextChoices):
    PENDING = "pending", _("待提交")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("退回修改")
    PASSED = "passed", _("通过")
    FAILED = "failed", _("不通过")


# 中期检查 / 结题 report: filled by the leader, judged by the call's staff.
_PRS = ProjectReportStatus
_REPORT_JUDGED = _("只能审核已提交的报告。")
_REPORT_SUBMITTED = _("报告已提交，不能再修改（退回修改后方可修改）。")
PROJECT_REPORT_FLOW = Workflow("status", ProjectReportStatus, [
    Transition("fill", {_PRS.PENDING, _PRS.RETURNED}, None, _("填写报告"), refusal=_REPORT_SUBMITTED),
    Transition("submit", {_PRS.PENDING, _PRS.RETURNED}, _PRS.SUBMITTED, _("提交报告"), refusal=_REPORT_SUBMITTED),
    Transition("pass", {_PRS.SUBMITTED}, _PRS.PASSED, _("通过"), refusal=_REPORT_JUDGED),
    Transition("return", {_PRS.SUBMITTED}, _PRS.RETURNED, _("退回修改"), style="secondary",
               confirm=_("确定将报告退回修改吗？"), refusal=_REPORT_JUDGED),
    Transition("fail", {_PRS.SUBMITTED}, _PRS.FAILED, _("不通过"), style="danger",
               confirm=_("报告不通过将结束课题（中期不通过即终止）。确定不通过吗？"), refusal=_REPORT_JUDGED),
])


class ProjectReport(models.Model):
    """A midterm (中期检查) or final (结题) report of a project: filled by the project's leader, judged by the
    call's staff (通过 / 退回修改 / 不通过)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports", verbose_name=_("立项课题"))
    kind = models.CharField(_("类别"), max_length=8, choices=ReportKind.choices)
    due = models.DateField(_("提交截止"))
    data = models.JSONField(_("报告内容"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ProjectReportStatus.choices,
                              default=ProjectReportStatus.PENDING)
    revision = models.PositiveIntegerField(_("提交次数"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    verdict_comment = models.TextField(_("审核意见"), blank=True, max_length=4000)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    org_path = PathField(max_length=255, editable=False)  # the project's

    objects = ScopedQuerySet.as_manager()

    WORKFLOW = PROJECT_REPORT_FLOW

    class Meta:
        verbose_name = verbose_name_plural = _("课题报告")
        ordering = ["project", "due", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="calls_project_report_unique")]
        indexes = [models.Index(fields=["status", "due"], name="calls_projreport_due")]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_kind_display()}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _application_scope(paths, via="project__application")


class ProjectAction(models.TextChoices):
    ESTABLISHED = "established", _("立项")
    SAVED = "saved", _("保存报告草稿")
    SUBMITTED = "submitted", _("提交报告")
    PASSED = "passed", _("报告通过")
    RETURNED = "returned", _("报告退回修改")
    FAILED = "failed", _("报告不通过")
    EXTENDED = "extended", _("延期")
    TERMINATED = "terminated", _("终止")
    CONCLUDED = "concluded", _("结题")


class ProjectEvent(WorkflowEvent):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("立项课题"))
    report = models.ForeignKey(ProjectReport, null=True, blank=True, on_delete=models.CASCADE, related_name="events",
                               verbose_name=_("课题报告"))
    action = models.CharField(_("操作"), max_length=12, choices=ProjectAction.choices)
    comment = models.TextField(_("意见"), blank=True, max_length=4000)
    data: Any = models.JSONField(_("当时的报告内容"), null=True, blank=True)

    scope_path_field = None  # scoped through the project's application (``scope_q``), as every project record

    class Meta:
        verbose_name = verbose_name_plural = _("课题记录")
        ordering = ["project", "at", "id"]

    def __str__(self) -> str:
        return f"{self.project} {self.get_action_display()}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _application_scope(paths, via="project__application")
