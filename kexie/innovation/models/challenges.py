"""揭榜挂帅: challenges, applications and milestones, each with its declared workflow."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel, SoftDeleteQuerySet
from kexie.core.scope import ScopedQuerySet
from kexie.core.workflow import Transition, Workflow
from kexie.innovation.models.needs import Enterprise, Need


class ChallengeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("张榜中")
    SELECTING = "selecting", _("遴选中")
    AWARDED = "awarded", _("已揭榜")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已撤榜")


PUBLIC_CHALLENGE_STATUSES = (ChallengeStatus.OPEN, ChallengeStatus.SELECTING, ChallengeStatus.AWARDED,
                             ChallengeStatus.COMPLETED)


class Challenge(SoftDeleteModel):
    """揭榜挂帅: a key problem posted with a bounty; teams apply, one is selected, milestones are accepted."""

    title = models.CharField(_("榜单名称"), max_length=120)
    description = models.TextField(_("攻关任务与指标"), max_length=6000)
    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="challenges",
                             verbose_name=_("来源需求"))
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="challenges", verbose_name=_("发榜企业"))
    bounty = models.DecimalField(_("榜额（万元）"), max_digits=12, decimal_places=2)
    apply_by = models.DateField(_("揭榜截止"))
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="challenges",
                              verbose_name=_("发布科协"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=ChallengeStatus.choices, default=ChallengeStatus.DRAFT)
    status_reason = models.TextField(_("说明"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    # 草稿 → 张榜中 → 遴选中 → 已揭榜 → 已完成; 已撤榜 before the award. "edit", "apply" and "milestone" are
    # checks only (no status change).
    WORKFLOW = Workflow("status", ChallengeStatus, [
        Transition("edit", {ChallengeStatus.DRAFT}, None, _("修改"), refusal=_("榜单已发布，不能再修改。")),
        Transition("publish", {ChallengeStatus.DRAFT}, ChallengeStatus.OPEN, _("发布张榜"),
                   refusal=_("只有草稿可以发布。")),
        Transition("close", {ChallengeStatus.OPEN}, ChallengeStatus.SELECTING, _("结束征集，进入遴选"),
                   refusal=_("只有张榜中的榜单可以结束征集。")),
        Transition("cancel", {ChallengeStatus.DRAFT, ChallengeStatus.OPEN, ChallengeStatus.SELECTING},
                   ChallengeStatus.CANCELLED, _("撤榜"), refusal=_("榜单已揭榜或已撤榜，不能撤榜。"),
                   confirm=_("撤榜后不能恢复，已揭榜的团队会收到通知，确定撤榜吗？"), style="secondary"),
        Transition("award", {ChallengeStatus.SELECTING}, ChallengeStatus.AWARDED, _("选定揭榜团队"),
                   refusal=_("结束征集后方可遴选，且每个榜单只能选定一个揭榜团队。")),
        Transition("complete", {ChallengeStatus.AWARDED}, ChallengeStatus.COMPLETED, _("完成")),
        Transition("apply", {ChallengeStatus.OPEN}, None, _("揭榜"), refusal=_("榜单不在张榜中，不能揭榜。")),
        Transition("milestone", {ChallengeStatus.AWARDED}, None, _("添加里程碑"),
                   refusal=_("揭榜后方可设置里程碑。")),
    ])

    AUDIT_FIELDS = ("title", "bounty", "apply_by", "status", "status_reason")

    class Meta:
        verbose_name = verbose_name_plural = _("揭榜挂帅")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def public_q(cls) -> Q:
        """张榜 (``for_public``): posted and not cancelled, drafted or deleted."""
        return Q(deleted_at__isnull=True, status__in=PUBLIC_CHALLENGE_STATUSES)


class ChallengeApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    SELECTED = "selected", _("揭榜成功")
    NOT_SELECTED = "not_selected", _("未入选")
    WITHDRAWN = "withdrawn", _("已撤回")


class ChallengeApplication(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="applications",
                                  verbose_name=_("榜单"))
    leader = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="challenge_applications",
                               verbose_name=_("揭榜团队负责人"))
    team = models.JSONField(_("团队成员"), default=list, blank=True)  # [{"name": "…", "person_id": 1}]
    unit = models.CharField(_("揭榜单位"), max_length=120)
    proposal = models.TextField(_("攻关方案"), max_length=6000)
    status = models.CharField(_("状态"), max_length=12, choices=ChallengeApplicationStatus.choices,
                              default=ChallengeApplicationStatus.SUBMITTED)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    org_path = PathField(max_length=255, editable=False)  # the challenge's

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    WORKFLOW = Workflow("status", ChallengeApplicationStatus, [
        Transition("withdraw", {ChallengeApplicationStatus.SUBMITTED}, ChallengeApplicationStatus.WITHDRAWN,
                   _("撤回揭榜申请"), refusal=_("只能在张榜期间撤回已提交的揭榜申请。"),
                   confirm=_("确定撤回揭榜申请吗？张榜期间可以重新揭榜。"), style="secondary"),
        Transition("resubmit", {ChallengeApplicationStatus.WITHDRAWN}, ChallengeApplicationStatus.SUBMITTED,
                   _("重新揭榜"), refusal=_("您已揭榜，不能重复申请。")),
        Transition("select", {ChallengeApplicationStatus.SUBMITTED}, ChallengeApplicationStatus.SELECTED,
                   _("选定"), refusal=_("只能从本榜单的有效揭榜申请中遴选。")),
        Transition("not_select", {ChallengeApplicationStatus.SUBMITTED}, ChallengeApplicationStatus.NOT_SELECTED,
                   _("未入选")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("揭榜申请")
        ordering = ["challenge", "submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["challenge", "leader"], name="innov_challenge_app_unique"),
                       models.UniqueConstraint(fields=["challenge"], condition=Q(status="selected"),
                                               name="innov_challenge_one_winner")]

    def __str__(self) -> str:
        return f"{self.challenge} · {self.leader}"


class MilestoneStatus(models.TextChoices):
    PENDING = "pending", _("进行中")
    SUBMITTED = "submitted", _("待验收")
    ACCEPTED = "accepted", _("已验收")
    REJECTED = "rejected", _("验收未通过")


class Milestone(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="milestones",
                                  verbose_name=_("榜单"))
    title = models.CharField(_("里程碑"), max_length=120)
    due = models.DateField(_("计划完成"))
    share = models.PositiveSmallIntegerField(_("拨付比例（%）"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=MilestoneStatus.choices,
                              default=MilestoneStatus.PENDING)
    evidence = models.TextField(_("完成情况"), blank=True, max_length=4000)
    verdict = models.TextField(_("验收意见"), blank=True, max_length=2000)
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    org_path = PathField(max_length=255, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    WORKFLOW = Workflow("status", MilestoneStatus, [
        Transition("submit", {MilestoneStatus.PENDING, MilestoneStatus.REJECTED}, MilestoneStatus.SUBMITTED,
                   _("提交验收"), refusal=_("该里程碑当前不能提交验收。")),
        Transition("accept", {MilestoneStatus.SUBMITTED}, MilestoneStatus.ACCEPTED, _("验收通过"),
                   refusal=_("只有待验收的里程碑可以验收。")),
        Transition("reject", {MilestoneStatus.SUBMITTED}, MilestoneStatus.REJECTED, _("验收不通过"),
                   refusal=_("只有待验收的里程碑可以验收。"), confirm=_("确定验收不通过吗？"), style="secondary"),
        Transition("remove", {MilestoneStatus.PENDING}, None, _("删除"),
                   refusal=_("只能删除尚未提交验收的里程碑。"), confirm=_("确定删除该里程碑吗？"),
                   style="secondary"),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("揭榜里程碑")
        ordering = ["challenge", "due", "id"]

    def __str__(self) -> str:
        return f"{self.challenge} · {self.title}"
