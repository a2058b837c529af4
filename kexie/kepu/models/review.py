"""科普知识审核: one review round per submission (``Review``; the database allows one active round per item), its
stages 科学性审核 (experts from a 科普 expert library, two for health and medicine) → 编辑审核 (an editor with
``kepu.publish``), and the experts' tasks (``ReviewTask``) with due dates, reminders and escalation. An emergency
item's after-review (事后审核) is a round of kind ``after`` opened when it is fast-published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet


class RoundKind(models.TextChoices):
    NORMAL = "normal", _("发布前审核")
    AFTER = "after", _("应急事后审核")


class Stage(models.TextChoices):
    SCIENCE = "science", _("科学性审核")
    EDITORIAL = "editorial", _("编辑审核")
    DONE = "done", _("已完成")


class RoundStatus(models.TextChoices):
    ACTIVE = "active", _("进行中")
    APPROVED = "approved", _("通过")
    RETURNED = "returned", _("退回")
    WITHDRAWN = "withdrawn", _("撤回")


class Review(models.Model):
    """A review round of one item version. ``due_at`` is the current stage's deadline; ``reminded_at`` and
    ``escalated_at`` record the reminder before it and the escalation after it."""

    item = models.ForeignKey("kepu.Item", on_delete=models.CASCADE, related_name="reviews", verbose_name=_("作品"))
    org_path = PathField(max_length=255, editable=False, db_index=True)  # the item's
    kind = models.CharField(_("类型"), max_length=8, choices=RoundKind.choices, default=RoundKind.NORMAL)
    version = models.PositiveIntegerField(_("送审版本"))
    stage = models.CharField(_("环节"), max_length=10, choices=Stage.choices, default=Stage.SCIENCE)
    status = models.CharField(_("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.ACTIVE)
    library = models.ForeignKey("calls.ExpertLibrary", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("科普专家库"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("送审人"))
    opened_at = models.DateTimeField(_("送审时间"), auto_now_add=True)
    due_at = models.DateTimeField(_("本环节期限"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    reason = models.TextField(_("退回理由"), blank=True, max_length=4000)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("科普审核")
        ordering = ["item", "-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["item"], condition=Q(status="active"), name="kepu_review_one_active"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="kepu_review_due")]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.get_stage_display()}"


class TaskDecision(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("通过")
    RETURNED = "returned", _("退回修改")
    RELEASED = "released", _("已撤销")


class ReviewTask(models.Model):
    """One expert's scientific review in a round (科学性审核 or 事后审核)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("审核"))
    item = models.ForeignKey("kepu.Item", on_delete=models.CASCADE, related_name="review_tasks",
                             verbose_name=_("作品"))
    org_path = PathField(max_length=255, editable=False, db_index=True)  # the item's
    expert = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="kepu_review_tasks",
                               verbose_name=_("审核专家"))
    decision = models.CharField(_("结论"), max_length=10, choices=TaskDecision.choices,
                                default=TaskDecision.PENDING)
    reason = models.TextField(_("审核意见"), blank=True, max_length=4000)
    affinity = models.FloatField(_("匹配度"), default=0)
    assigned_at = models.DateTimeField(_("分配时间"), auto_now_add=True)
    due_at = models.DateTimeField(_("审核期限"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("科普审核任务")
        ordering = ["review", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "expert"], name="kepu_task_unique")]
        indexes = [models.Index(fields=["expert", "decision"], name="kepu_task_expert")]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.expert_id}"
