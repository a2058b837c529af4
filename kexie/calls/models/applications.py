"""Applications, their history and declared conflicts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.calls.models.calls import Call
from kexie.core.fields import PathField
from kexie.core.models import WorkflowEvent
from kexie.core.scope import ScopedQuerySet, prefix_q
from kexie.core.workflow import Transition, Workflow


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    NOMINATED = "nominated", _("已推荐")
    NOT_NOMINATED = "not_nominated", _("未获推荐")
    RETURNED = "returned", _("退回修改")
    FORMAL_PASSED = "formal_passed", _("形式审查通过")
    FORMAL_FAILED = "formal_failed", _("形式审查未通过")
    UNDER_REVIEW = "under_review", _("评审中")
    REVIEWED = "reviewed", _("评审完成")
    PUBLICISED = "publicised", _("公示中")
    APPROVED = "approved", _("入选")
    NOT_APPROVED = "not_approved", _("未入选")
    WITHDRAWN = "withdrawn", _("已撤回")
    CLOSED = "closed", _("逾期关闭")


_AS = ApplicationStatus
_EDITABLE = {_AS.DRAFT, _AS.RETURNED}
_FORMAL_QUEUE = {_AS.SUBMITTED, _AS.NOMINATED}  # the call's queue is one of them (``services.formal_check``)
_IN_REVIEW = {_AS.UNDER_REVIEW, _AS.REVIEWED}
_RESULT = {_AS.APPROVED, _AS.NOT_APPROVED}
_NOT_YET_REVIEWED = _EDITABLE | _FORMAL_QUEUE | {_AS.FORMAL_PASSED}
_SUBMITTED_ONCE = _("申报已提交，不能再修改（退回修改后方可修改）。")

# 申报: every status change of an application, in one table (decision 0024). The applicant fills and
# submits (a return goes back to the formal check), may withdraw until review starts; the nominating
# organisation endorses within quota; the call's staff do the formal check; stage advances move the rest.
APPLICATION_FLOW = Workflow("status", ApplicationStatus, [
    Transition("edit", _EDITABLE, None, _("填写申报"), refusal=_SUBMITTED_ONCE),
    Transition("submit", _EDITABLE, None, _("提交"), refusal=_SUBMITTED_ONCE),  # 已提交 or back to the queue
    Transition("change_nominator", {_AS.DRAFT}, None, _("更换推荐单位"), refusal=_("申报已提交，不能更换推荐单位。")),
    Transition("withdraw", _NOT_YET_REVIEWED, _AS.WITHDRAWN, _("撤回申报"), style="secondary",
               confirm=_("撤回后这份申报不再参加本批次，且不能恢复。确定撤回吗？"),
               refusal=_("当前状态的申报不能撤回。")),
    # The call's staff close an application its applicant abandoned (a draft never submitted, a return never
    # resubmitted), so the call can move on; the reason is kept (decision 0039).
    Transition("close", _EDITABLE, _AS.CLOSED, _("关闭申报"), style="danger",
               confirm=_("关闭后申报人不能再修改或提交这份申报，且不能恢复。确定关闭吗？"),
               refusal=_("只有草稿或退回修改的申报可以关闭。")),
    Transition("nominate", {_AS.SUBMITTED}, _AS.NOMINATED, _("推荐")),
    Transition("decline", {_AS.SUBMITTED}, _AS.NOT_NOMINATED, _("不予推荐"), style="secondary",
               confirm=_("确定不予推荐这份申报吗？")),
    Transition("close_nomination", {_AS.SUBMITTED}, _AS.NOT_NOMINATED, _("推荐阶段结束，未获推荐")),
    Transition("formal_pass", _FORMAL_QUEUE, _AS.FORMAL_PASSED, _("形式审查通过")),
    Transition("formal_return", _FORMAL_QUEUE, _AS.RETURNED, _("退回修改"), style="secondary",
               confirm=_("确定将这份申报退回修改吗？")),
    Transition("formal_fail", _FORMAL_QUEUE, _AS.FORMAL_FAILED, _("形式审查不通过"), style="danger",
               confirm=_("形式审查不通过后申报不再参加本批次。确定不通过吗？")),
    Transition("start_review", {_AS.FORMAL_PASSED}, _AS.UNDER_REVIEW, _("进入专家评审")),
    Transition("review", _IN_REVIEW, None, _("评审"), refusal=_("这份申报不在评审中。")),
    Transition("publicise", _IN_REVIEW, _AS.PUBLICISED, _("进入公示")),
    Transition("object", {_AS.PUBLICISED}, None, _("提出异议"), refusal=_("不在公示期内，不能提出异议。")),
    Transition("approve", _IN_REVIEW | {_AS.PUBLICISED}, _AS.APPROVED, _("入选")),
    Transition("not_approve", _IN_REVIEW | {_AS.PUBLICISED}, _AS.NOT_APPROVED, _("未入选"), style="danger",
               confirm=_("确定不予入选吗？")),
    Transition("appeal", _RESULT, None, _("申请复审"), refusal=_("结果发布后方可申请复审。")),
    Transition("reconsider", _RESULT, None, _("复审改变结果")),  # 入选 ↔ 未入选
])


def submitted_q(prefix: str = "") -> Q:
    """Applications counted as submitted (已提交申报): sent at least once and not withdrawn; drafts never are."""
    return Q(**{f"{prefix}submitted_at__isnull": False}) & ~Q(**{f"{prefix}status": _AS.WITHDRAWN})


class ApplicationQuerySet(ScopedQuerySet):
    pass


class Application(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申报批次"))
    applicant_person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="call_applications", verbose_name=_("申报人"))
    applicant_org = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="call_applications", verbose_name=_("申报单位"))
    nominator = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="call_nominations", verbose_name=_("推荐单位"))
    # The applicant's organisation path (the person's own organisation, or the applying organisation).
    org_path = PathField(max_length=255, editable=False)
    title = models.CharField(_("申报名称"), max_length=200)
    data = models.JSONField(_("申报内容"), default=dict, blank=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    disciplines = models.JSONField(_("学科代码"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT)
    status_reason = models.TextField(_("意见"), blank=True, max_length=4000)
    # Up to three experts the applicant asks to avoid: [{"person_id": 1, "name": "…", "reason": "…"}].
    avoid_requests = models.JSONField(_("申请回避的专家"), default=list, blank=True)
    # [{"name": "…", "employer": "…", "person_id": null}]
    collaborators = models.JSONField(_("合作者"), default=list, blank=True)
    relatives = models.JSONField(_("亲属"), default=list, blank=True)
    revision = models.PositiveIntegerField(_("提交次数"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    nominated_at = models.DateTimeField(_("推荐时间"), null=True, blank=True)
    funding = models.DecimalField(_("资助金额（万元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    WORKFLOW = APPLICATION_FLOW

    AUDIT_FIELDS = ("title", "status", "status_reason", "nominator", "revision", "funding")

    class Meta:
        verbose_name = verbose_name_plural = _("申报")
        ordering = ["call", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "applicant_person"], condition=Q(applicant_person__isnull=False),
                                    name="calls_application_person_unique"),
            models.UniqueConstraint(fields=["call", "applicant_org"], condition=Q(applicant_org__isnull=False),
                                    name="calls_application_org_unique"),
            models.CheckConstraint(condition=Q(applicant_person__isnull=False) | Q(applicant_org__isnull=False),
                                   name="calls_application_has_applicant"),
        ]
        indexes = [models.Index(fields=["call", "status"], name="calls_app_call_status"),
                   models.Index(fields=["call", "nominator", "status"], name="calls_app_nominator"),
                   models.Index(fields=["org_path"], name="calls_app_org_path")]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title, or （未命名申报） for a draft not yet named."""
        return self.title or str(_("（未命名申报）"))

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        """The applicant's organisation, the nominating organisation or the call's owner in scope."""
        return (prefix_q("org_path", paths) | prefix_q("nominator__path", paths)
                | prefix_q("call__org_path", paths))

    @property
    def applicant_name(self) -> str:
        if self.applicant_person_id:
            return self.applicant_person.name if self.applicant_person else ""
        return self.applicant_org.name if self.applicant_org else ""


class EventAction(models.TextChoices):
    CREATED = "created", _("创建")
    SAVED = "saved", _("保存草稿")
    SUBMITTED = "submitted", _("提交")
    NOMINATED = "nominated", _("推荐")
    DECLINED = "declined", _("不予推荐")
    FORMAL_PASSED = "formal_passed", _("形式审查通过")
    FORMAL_FAILED = "formal_failed", _("形式审查不通过")
    RETURNED = "returned", _("退回修改")
    STAGE = "stage", _("进入下一阶段")
    WITHDRAWN = "withdrawn", _("撤回")
    CLOSED = "closed", _("逾期关闭")


class ApplicationEvent(WorkflowEvent):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events",
                                    verbose_name=_("申报"))
    action = models.CharField(_("操作"), max_length=16, choices=EventAction.choices)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True)
    comment = models.TextField(_("意见"), blank=True, max_length=4000)
    data: Any = models.JSONField(_("当时的申报内容"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("申报记录")
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.application} {self.get_action_display()}"

class ConflictDeclaration(models.Model):
    """A conflict an expert declares on an application (自行申报回避)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflict_declarations",
                                    verbose_name=_("申报"))
    expert = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="conflict_declarations",
                               verbose_name=_("专家"))
    reason = models.TextField(_("回避理由"), max_length=1000)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("申报人"))
    declared_at = models.DateTimeField(_("时间"), auto_now_add=True)
    org_path = PathField(max_length=255, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("回避声明")
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="calls_conflict_unique")]

    def __str__(self) -> str:
        return f"{self.expert} ↔ {self.application}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return prefix_q("org_path", paths) | prefix_q("application__call__org_path", paths)

def _application_scope(paths: list[str], via: str = "application") -> Q:
    """The application's scope (``Application.scope_q``) reached through the relation ``via``."""
    return (prefix_q(f"{via}__org_path", paths) | prefix_q(f"{via}__nominator__path", paths)
            | prefix_q(f"{via}__call__org_path", paths))
