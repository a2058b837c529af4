"""数据填报: report forms as versioned data, campaigns that assign a version to organisations with a
deadline, and each organisation's submission with its review history (SPEC §3.2).

A form version's ``schema`` (checked by ``kexie.formkit.schema``) is::

    {"sections": [{"key": "members", "title": "会员情况", "fields": [
        {"key": "individual_members", "label": "个人会员数", "type": "number", "unit": "人",
         "min": 0, "max": 1000000, "decimals": 0, "required": true, "prefill": "individual_members",
         "help": "…"},
        {"key": "kind", "label": "…", "type": "choice", "choices": ["甲", "乙"]},
        {"key": "events", "label": "学术活动", "type": "table", "columns": [<fields, not tables>],
         "max_rows": 500}]}],
     "rules": [{"expr": "individual_members <= total_members", "message": "个人会员数不能超过会员总数"}]}

Field types: number, text, choice, date, file, table. A submission's ``data`` maps field keys to values:
numbers as JSON numbers, dates as ISO text, files as {"name", "path", "size"}, tables as lists of row
dicts keyed by column key. Empty is absent or null.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel, SoftDeleteQuerySet, WorkflowEvent
from kexie.core.scope import ScopedQuerySet, prefix_q
from kexie.core.workflow import Transition, Workflow


class FieldType(models.TextChoices):
    NUMBER = "number", _("数值")
    TEXT = "text", _("文本")
    CHOICE = "choice", _("选项")
    DATE = "date", _("日期")
    FILE = "file", _("附件")
    TABLE = "table", _("表格（可多行）")


class Period(models.TextChoices):
    ANNUAL = "annual", _("年报")
    HALF = "half", _("半年报")
    QUARTER = "quarter", _("季报")
    ONCE = "once", _("一次性")


class ReportForm(SoftDeleteModel):
    """报表: e.g. 学会年报. Its content lives in versions; a published version never changes."""

    code = models.SlugField(_("报表代码"), max_length=60, unique=True)
    name = models.CharField(_("报表名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True, max_length=4000)
    period = models.CharField(_("填报周期"), max_length=10, choices=Period.choices, default=Period.ANNUAL)
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="report_forms",
                              verbose_name=_("制表单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("报表")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class FormVersion(models.Model):
    """One version of a form's fields and rules. Campaigns use published versions only; changing a
    published form means a new version, so every submission keeps the form it was filled against."""

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="versions", verbose_name=_("报表"))
    number = models.PositiveIntegerField(_("版本号"))
    schema = models.JSONField(_("表单结构"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    note = models.CharField(_("版本说明"), max_length=200, blank=True)
    org_path = PathField(max_length=255, editable=False, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    # A published version never changes again: a change is a new version.
    WORKFLOW = Workflow("status", VersionStatus, [
        Transition("edit", {VersionStatus.DRAFT}, None, _("编辑"), refusal=_("已发布的版本不能修改；请新建版本。")),
        Transition("publish", {VersionStatus.DRAFT}, VersionStatus.PUBLISHED, _("发布"),
                   confirm=_("发布后这一版本不能再修改。确定发布吗？"), refusal=_("该版本已发布。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("报表版本")
        ordering = ["form", "-number"]
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="form_version_unique")]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("填报中")
    CLOSED = "closed", _("已结束")


class CampaignQuerySet(ScopedQuerySet):
    pass


class Campaign(models.Model):
    """填报任务: a published form version assigned to a set of organisations for a period, with a
    deadline. The owner's subtree sees the whole campaign; a filer sees it through its submission."""

    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="campaigns",
                                verbose_name=_("报表版本"))
    name = models.CharField(_("任务名称"), max_length=120)
    year = models.PositiveSmallIntegerField(_("统计年度"))
    period_label = models.CharField(_("统计期"), max_length=40, blank=True)
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="campaigns",
                              verbose_name=_("发起单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    # How the filers were chosen, kept for the record: {"root": org id, "kinds": [codes], "levels": [...]}.
    selector = models.JSONField(_("填报范围"), default=dict, blank=True)
    opens_on = models.DateField(_("开始日期"))
    deadline = models.DateField(_("截止日期"))
    remind_days = models.JSONField(_("提前提醒天数"), default=list, blank=True)
    jump_share = models.PositiveSmallIntegerField(
        _("同比变化提醒线（%）"), default=50,
        help_text=_("数字与上年相比变化超过该比例时，提醒填报单位核实（不阻止提交）"))
    status = models.CharField(_("状态"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("发起人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    WORKFLOW = Workflow("status", CampaignStatus, [
        Transition("close", {CampaignStatus.OPEN}, CampaignStatus.CLOSED, _("结束填报"), style="secondary",
                   confirm=_("结束后各单位不能再填报、撤回或导入。确定结束吗？"), refusal=_("该填报任务已结束。")),
        Transition("reopen", {CampaignStatus.CLOSED}, CampaignStatus.OPEN, _("重新开放"),
                   refusal=_("该填报任务正在填报中。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("填报任务")
        ordering = ["-year", "-created_at"]
        constraints = [models.CheckConstraint(condition=Q(deadline__gte=models.F("opens_on")),
                                              name="campaign_dates_ordered")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        """Campaigns run by an organisation in scope, or with a filer in scope."""
        filer = Submission.objects.filter(prefix_q("org_path", paths), campaign=OuterRef("pk"))
        return prefix_q("org_path", paths) | Q(Exists(filer))


class SubmissionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未填报")
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交待审核")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已通过")


_SS = SubmissionStatus
_FILLABLE = {_SS.NOT_STARTED, _SS.DRAFT, _SS.RETURNED}
_ONLY_SUBMITTED_REVIEWED = _("只有已提交待审核的填报可以审核。")

# 填报: the organisation fills and submits (or imports); until its parent reviews it, it may withdraw it to
# correct it; the parent accepts it or returns it with a comment. Filling also needs the campaign open.
SUBMISSION_FLOW = Workflow("status", SubmissionStatus, [
    Transition("fill", _FILLABLE, None, _("填报"), refusal=_("已提交的填报在审核前不能修改。")),
    Transition("start", {_SS.NOT_STARTED}, _SS.DRAFT, _("保存草稿")),  # the first draft saved
    Transition("submit", _FILLABLE, _SS.SUBMITTED, _("提交"), refusal=_("已提交的填报在审核前不能修改。")),
    Transition("withdraw", {_SS.SUBMITTED}, _SS.DRAFT, _("撤回修改"), style="secondary",
               confirm=_("撤回后需重新提交才能审核。确定撤回吗？"), refusal=_("只有待审核的填报可以撤回。")),
    Transition("accept", {_SS.SUBMITTED}, _SS.ACCEPTED, _("通过"), refusal=_ONLY_SUBMITTED_REVIEWED),
    Transition("return", {_SS.SUBMITTED}, _SS.RETURNED, _("退回修改"), style="secondary",
               confirm=_("确定退回这份填报吗？填报单位将收到退回意见。"), refusal=_ONLY_SUBMITTED_REVIEWED),
])


class Submission(models.Model):
    """One organisation's report in a campaign. Filled by the organisation, reviewed by its parent."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="submissions",
                                 verbose_name=_("填报任务"))
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="submissions",
                                     verbose_name=_("填报单位"))
    org_path = PathField(max_length=255, editable=False)
    status = models.CharField(_("状态"), max_length=12, choices=SubmissionStatus.choices,
                              default=SubmissionStatus.NOT_STARTED)
    data = models.JSONField(_("填报内容"), default=dict, blank=True)
    revision = models.PositiveIntegerField(_("提交次数"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("提交人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("审核人"))
    comment = models.TextField(_("审核意见"), blank=True, max_length=2000)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    WORKFLOW = SUBMISSION_FLOW

    class Meta:
        verbose_name = verbose_name_plural = _("填报")
        ordering = ["campaign", "org_path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "organisation"], name="submission_unique")]
        indexes = [models.Index(fields=["campaign", "org_path"], name="submission_campaign_path"),
                   models.Index(fields=["campaign", "status"], name="submission_campaign_status")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.organisation}"


class EventAction(models.TextChoices):
    SAVED = "saved", _("保存草稿")
    SUBMITTED = "submitted", _("提交")
    RETURNED = "returned", _("退回")
    ACCEPTED = "accepted", _("通过")
    REOPENED = "reopened", _("撤回修改")
    IMPORTED = "imported", _("Excel 导入")


class SubmissionEvent(WorkflowEvent):
    """The review history: every submit, return and acceptance, with the data as submitted."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events",
                                   verbose_name=_("填报"))
    action = models.CharField(_("操作"), max_length=10, choices=EventAction.choices)
    comment = models.TextField(_("意见"), blank=True, max_length=2000)
    data: Any = models.JSONField(_("当时的填报内容"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("填报记录")
        ordering = ["submission", "at", "id"]

    def __str__(self) -> str:
        return f"{self.submission} {self.get_action_display()}"


class SubmissionValue(models.Model):
    """The numeric figures of a submitted or accepted submission, one row per figure (a number field,
    ``table.rows`` for a table's row count, ``table.column`` for a number column's sum), so that
    aggregation up the tree is one GROUP BY. Rewritten whenever the submission's data is submitted."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="values")
    org_path = PathField(max_length=255, editable=False)
    key = models.CharField(max_length=120)
    value = models.FloatField()

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        # Covering (value and submission last) so that aggregating reads the index only: measured ×2 on SQLite
        # for 2,000 filers × 200 figures (docs/benchmarks.md).
        indexes = [models.Index(fields=["campaign", "key", "org_path", "value", "submission"],
                                name="subvalue_aggregate")]
        constraints = [models.UniqueConstraint(fields=["submission", "key"], name="subvalue_unique")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
