"""Reviewing and results: assignments, reviews, meeting votes, objections, appeals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.calls.models.applications import Application, _application_scope
from kexie.calls.models.calls import Call, Stage
from kexie.core.crypto import EncryptedTextField
from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet
from kexie.core.workflow import Transition, Workflow


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("已分配")
    RELEASED = "released", _("已释放（回避）")
    DONE = "done", _("已评审")


class ReviewAssignment(models.Model):
    """An application assigned to an expert for review; a declared conflict releases it for reassignment."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("申报批次"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments",
                                    verbose_name=_("申报"))
    expert = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="review_assignments",
                               verbose_name=_("专家"))
    stage = models.CharField(_("评审阶段"), max_length=16, choices=Stage.choices, default=Stage.REVIEW_CORR)
    status = models.CharField(_("状态"), max_length=10, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.ASSIGNED)
    affinity = models.FloatField(_("匹配度"), default=0)
    released_reason = models.CharField(_("释放原因"), max_length=1000, blank=True)
    org_path = PathField(max_length=255, editable=False)  # the call's owner
    created_at = models.DateTimeField(_("分配时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    WORKFLOW = Workflow("status", AssignmentStatus, [
        Transition("review", {AssignmentStatus.ASSIGNED, AssignmentStatus.DONE}, None, _("评审"),
                   refusal=_("您已申报回避，不能再评审这份申报。")),
        Transition("release", {AssignmentStatus.ASSIGNED}, AssignmentStatus.RELEASED, _("回避")),
        Transition("complete", {AssignmentStatus.ASSIGNED}, AssignmentStatus.DONE, _("提交评审意见")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("评审分配")
        constraints = [models.UniqueConstraint(fields=["application", "expert", "stage"],
                                               name="calls_assignment_unique")]
        indexes = [models.Index(fields=["call", "expert", "status"], name="calls_assign_expert")]

    def __str__(self) -> str:
        return f"{self.expert} → {self.application}"

class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class Recommendation(models.TextChoices):
    RECOMMEND = "recommend", pgettext_lazy("recommendation", "推荐")
    CONDITIONAL = "conditional", _("可考虑")
    REJECT = "reject", _("不推荐")


class Review(models.Model):
    """One expert's review of one assigned application: raw scores per rubric criterion are the record.

    Scoped to the call's owner only (``org_path``): the reviewer's identity is never shown outside the
    organising office, so neither the applicant's nor the nominator's scope reaches a review row."""

    assignment = models.OneToOneField(ReviewAssignment, on_delete=models.CASCADE, related_name="review",
                                      verbose_name=_("评审分配"))
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("申报批次"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews",
                                    verbose_name=_("申报"))
    reviewer = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="call_reviews",
                                 verbose_name=_("评审专家"))
    scores = models.JSONField(_("分项评分"), default=dict, blank=True)
    total = models.FloatField(_("加权总分"), null=True, blank=True)
    comment = models.TextField(_("评审意见"), blank=True, max_length=8000)
    recommendation = models.CharField(_("推荐意见"), max_length=12, choices=Recommendation.choices, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    org_path = PathField(max_length=255, editable=False)  # the call's owner
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    WORKFLOW = Workflow("status", ReviewStatus, [
        Transition("save", {ReviewStatus.DRAFT}, None, _("保存草稿"), refusal=_("评审意见已提交，不能再修改。")),
        Transition("submit", {ReviewStatus.DRAFT}, ReviewStatus.SUBMITTED, _("提交评审意见"),
                   confirm=_("提交后评审意见不能再修改。确定提交吗？"), refusal=_("评审意见已提交，不能再修改。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("评审意见")
        ordering = ["application", "id"]
        indexes = [models.Index(fields=["call", "status"], name="calls_review_call_status")]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application}"


class Vote(models.TextChoices):
    YES = "yes", _("赞成")
    NO = "no", _("反对")
    ABSTAIN = "abstain", _("弃权")


class MeetingVote(models.Model):
    """A panel member's vote on an application at the meeting review (会议评审), per round."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="votes", verbose_name=_("申报批次"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="votes",
                                    verbose_name=_("申报"))
    member = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="call_votes",
                               verbose_name=_("评审委员"))
    vote = models.CharField(_("表决"), max_length=8, choices=Vote.choices)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    cast_at = models.DateTimeField(_("时间"), auto_now=True)
    org_path = PathField(max_length=255, editable=False)  # the call's owner

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("会评表决")
        ordering = ["application", "round", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "member", "round"],
                                               name="calls_vote_unique")]

    def __str__(self) -> str:
        return f"{self.member} {self.vote} {self.application}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("成立")
    DISMISSED = "dismissed", _("不成立")


class Objection(models.Model):
    """公示异议: an objection lodged during the public-notice period, handled as a tracked case."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="objections", verbose_name=_("申报批次"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="objections",
                                    verbose_name=_("申报"))
    name = models.CharField(_("异议人"), max_length=60)
    contact = EncryptedTextField(_("联系方式"), blank=True)
    text = models.TextField(_("异议内容"), max_length=4000)
    lodged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("提交账号"))
    lodged_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("处理人"))
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    handling_reason = models.TextField(_("处理意见"), blank=True, max_length=4000)
    org_path = PathField(max_length=255, editable=False)  # the application's

    objects = ScopedQuerySet.as_manager()

    WORKFLOW = Workflow("status", CaseStatus, [
        Transition("uphold", {CaseStatus.OPEN}, CaseStatus.UPHELD, _("异议成立"), refusal=_("该异议已处理。")),
        Transition("dismiss", {CaseStatus.OPEN}, CaseStatus.DISMISSED, _("异议不成立"), refusal=_("该异议已处理。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("公示异议")
        ordering = ["call", "lodged_at", "id"]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_status_display()}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _application_scope(paths)


class AppealStatus(models.TextChoices):
    LODGED = "lodged", _("待决定")
    UPHELD = "upheld", _("复审改变结果")
    REJECTED = "rejected", _("维持原结果")


class Appeal(models.Model):
    """复审: the applicant asks for a re-examination within the call's window; decided within its window."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("申报批次"))
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="appeal",
                                       verbose_name=_("申报"))
    lodged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("申请人"))
    lodged_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    reasons = models.TextField(_("复审理由"), max_length=4000)
    decide_by = models.DateField(_("决定期限"))
    status = models.CharField(_("状态"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.LODGED)
    decision = models.TextField(_("复审决定"), blank=True, max_length=4000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("决定人"))
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    org_path = PathField(max_length=255, editable=False)  # the application's

    objects = ScopedQuerySet.as_manager()

    WORKFLOW = Workflow("status", AppealStatus, [
        Transition("uphold", {AppealStatus.LODGED}, AppealStatus.UPHELD, _("复审改变结果"),
                   confirm=_("复审改变结果将改变这份申报的入选结果。确定吗？"), refusal=_("该复审已有决定。")),
        Transition("reject", {AppealStatus.LODGED}, AppealStatus.REJECTED, _("维持原结果"),
                   refusal=_("该复审已有决定。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("复审")
        ordering = ["call", "lodged_at", "id"]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_status_display()}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return _application_scope(paths)
