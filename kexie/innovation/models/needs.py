"""Enterprises, technology needs (NeedEvent history), dispatches to societies (点菜), service records and
matching feedback. The workflows of needs, dispatches and enterprise verification are declared here once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.crypto import EncryptedTextField, mask_phone
from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel, SoftDeleteQuerySet, WorkflowEvent
from kexie.core.scope import ScopedQuerySet, prefix_q
from kexie.core.workflow import Transition, Workflow


class VerifyStatus(models.TextChoices):
    PENDING = "pending", _("待核验")
    VERIFIED = "verified", _("已核验")
    REJECTED = "rejected", _("未通过核验")


class Enterprise(SoftDeleteModel):
    name = models.CharField(_("企业名称"), max_length=120)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    industry = models.CharField(_("所属行业"), max_length=2, blank=True)  # GB/T 4754 division
    region = models.ForeignKey("orgs.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="enterprises", verbose_name=_("所在地区"))
    host = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="served_enterprises",
                             verbose_name=_("服务科协"))
    org_path = PathField(max_length=255, editable=False, db_index=True)  # the host's
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    status = models.CharField(_("核验状态"), max_length=10, choices=VerifyStatus.choices, default=VerifyStatus.PENDING)
    status_reason = models.CharField(_("核验意见"), max_length=500, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("核验人"))
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    users: Any = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="enterprises",
                                        verbose_name=_("企业账号"))
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    # 核验: staff verify the credit code; a rejected registration can be verified once corrected, a verified one
    # can be withdrawn (不通过).
    WORKFLOW = Workflow("status", VerifyStatus, [
        Transition("verify", {VerifyStatus.PENDING, VerifyStatus.REJECTED}, VerifyStatus.VERIFIED, _("通过核验")),
        Transition("reject", {VerifyStatus.PENDING, VerifyStatus.VERIFIED}, VerifyStatus.REJECTED, _("不通过核验"),
                   confirm=_("不通过核验后企业不能发布需求，确定吗？"), style="secondary"),
    ])

    AUDIT_FIELDS = ("name", "uscc", "industry", "region", "host", "address", "contact_name", "status",
                    "status_reason")

    class Meta:
        verbose_name = verbose_name_plural = _("企业")
        ordering = ["org_path", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone or "")


class NeedKind(models.TextChoices):
    RESEARCH = "research", _("技术攻关")
    TRANSFER = "transfer", _("成果转化")
    TRAINING = "training", _("人才培训")
    CONSULTING = "consulting", _("决策咨询")
    PLANNING = "planning", _("产业规划")
    ROADSHOW = "roadshow", _("技术路演")
    EVALUATION = "evaluation", _("成果评价")


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("公开")
    MATCHED = "matched", _("仅对匹配专家可见")


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    REVIEWING = "reviewing", _("审核中")
    RETURNED = "returned", _("退回修改")
    PUBLISHED = "published", _("已发布")
    MATCHING = "matching", _("对接中")
    MATCHED = "matched", _("已对接")
    SOLVED = "solved", _("已解决")
    CLOSED = "closed", _("已关闭")


OPEN_NEED_STATUSES = (NeedStatus.PUBLISHED, NeedStatus.MATCHING, NeedStatus.MATCHED)


class Need(SoftDeleteModel):
    code = models.CharField(_("需求编号"), max_length=20, unique=True)
    title = models.CharField(_("需求名称"), max_length=120)
    description = models.TextField(_("需求描述"), max_length=4000)
    industry = models.CharField(_("所属行业"), max_length=2)  # GB/T 4754 division
    region = models.ForeignKey("orgs.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="needs",
                               verbose_name=_("所在地区"))
    kind = models.CharField(_("需求类型"), max_length=12, choices=NeedKind.choices)
    budget = models.DecimalField(_("预算（万元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    deadline = models.DateField(_("期望解决时间"), null=True, blank=True)
    confidentiality = models.CharField(_("公开范围"), max_length=8, choices=Confidentiality.choices,
                                       default=Confidentiality.PUBLIC)
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="needs",
                                   verbose_name=_("需求企业"))
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="needs",
                              verbose_name=_("受理科协"))
    org_path = PathField(max_length=255, editable=False, db_index=True)  # the owner's
    status = models.CharField(_("状态"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.DRAFT)
    status_reason = models.TextField(_("意见"), blank=True, max_length=2000)
    outcome = models.TextField(_("解决情况"), blank=True, max_length=4000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    # 提交 → 审核 → 发布 → 对接中 → 已对接 → 已解决 / 关闭. "edit" and "rate" change no status (check only); the
    # dispatch answers move a need between 已发布, 对接中 and 已对接 ("dispatch", "match", "unmatch").
    WORKFLOW = Workflow("status", NeedStatus, [
        Transition("edit", {NeedStatus.DRAFT, NeedStatus.RETURNED}, None, _("修改"),
                   refusal=_("需求已提交，不能再修改（退回修改后方可修改）。")),
        Transition("submit", {NeedStatus.DRAFT, NeedStatus.RETURNED}, NeedStatus.SUBMITTED, _("提交审核"),
                   refusal=_("需求已提交。")),
        Transition("approve", {NeedStatus.SUBMITTED, NeedStatus.REVIEWING}, NeedStatus.PUBLISHED,
                   _("审核通过并发布"), refusal=_("只能审核已提交的需求。")),
        Transition("return", {NeedStatus.SUBMITTED, NeedStatus.REVIEWING}, NeedStatus.RETURNED, _("退回修改"),
                   refusal=_("只能审核已提交的需求。"), style="secondary"),
        Transition("reject", {NeedStatus.SUBMITTED, NeedStatus.REVIEWING}, NeedStatus.CLOSED, _("不予发布"),
                   refusal=_("只能审核已提交的需求。"), confirm=_("不予发布后需求将关闭，确定吗？"),
                   style="secondary"),
        Transition("dispatch", {NeedStatus.PUBLISHED, NeedStatus.MATCHING, NeedStatus.MATCHED}, None, _("派单"),
                   refusal=_("只有已发布的需求可以派单。")),
        Transition("match", {NeedStatus.MATCHING}, NeedStatus.MATCHED, _("学会响应")),
        Transition("unmatch", {NeedStatus.MATCHING}, NeedStatus.PUBLISHED, _("学会均婉拒")),
        Transition("solve", {NeedStatus.MATCHED, NeedStatus.MATCHING}, NeedStatus.SOLVED, _("标记为已解决"),
                   refusal=_("只有对接中或已对接的需求可以标记为已解决。")),
        Transition("close", {s for s in NeedStatus.values if s not in (NeedStatus.SOLVED, NeedStatus.CLOSED)},
                   NeedStatus.CLOSED, _("关闭需求"), refusal=_("需求已办结。"),
                   confirm=_("关闭后需求不再对接，等待响应的派单将撤回，确定关闭吗？"), style="secondary"),
    ])

    AUDIT_FIELDS = ("code", "title", "industry", "region", "kind", "budget", "deadline", "confidentiality",
                    "enterprise", "owner", "status", "status_reason", "outcome")

    class Meta:
        verbose_name = verbose_name_plural = _("技术需求")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"], name="innov_need_status")]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def public_q(cls) -> Q:
        """On the marketplace (``for_public``): public, and published or being matched (never drafts, matched-only,
        closed or deleted ones). The pages show it without its enterprise."""
        return Q(deleted_at__isnull=True, confidentiality=Confidentiality.PUBLIC, status__in=OPEN_NEED_STATUSES)


class NeedAction(models.TextChoices):
    CREATED = "created", _("创建")
    SUBMITTED = "submitted", _("提交审核")
    APPROVED = "review_approve", _("审核通过并发布")
    RETURNED = "review_return", _("退回修改")
    REJECTED = "review_reject", _("不予发布")
    DISPATCHED = "dispatched", _("派单")
    ACCEPTED = "accepted", _("学会响应")
    DECLINED = "declined", _("学会婉拒")
    SERVICE_DONE = "service_done", _("服务完成")
    RATED = "rated", _("企业评价")
    SOLVED = "solved", _("已解决")
    CLOSED = "closed", _("关闭")
    REQUESTED = "requested", _("请求上级科协派单")
    REQUEST_APPROVED = "request_approved", _("上级科协同意派单")
    REQUEST_DECLINED = "request_declined", _("上级科协未同意派单")


class NeedEvent(WorkflowEvent):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events", verbose_name=_("技术需求"))
    action = models.CharField(_("操作"), max_length=20, choices=NeedAction.choices)
    from_status = models.CharField(_("原状态"), max_length=10, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, blank=True)
    comment = models.TextField(_("说明"), blank=True, max_length=2000)

    class Meta:
        verbose_name = verbose_name_plural = _("需求办理记录")
        ordering = ["need", "at", "id"]

    def __str__(self) -> str:
        return f"{self.need} {self.action}"


class DispatchStatus(models.TextChoices):
    WAITING = "waiting", _("待响应")
    ACCEPTED = "accepted", _("已响应")
    DECLINED = "declined", _("已婉拒")
    DONE = "done", _("服务完成")
    WITHDRAWN = "withdrawn", _("已撤回")


class Dispatch(models.Model):
    """点菜 / 科协报到: a need sent to a society, which must answer by ``respond_by``."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="dispatches", verbose_name=_("技术需求"))
    society = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="dispatches",
                                verbose_name=_("承接学会"))
    society_path = PathField(max_length=255, editable=False)
    org_path = PathField(max_length=255, editable=False)  # the need's
    status = models.CharField(_("状态"), max_length=10, choices=DispatchStatus.choices,
                              default=DispatchStatus.WAITING)
    note = models.TextField(_("派单说明"), blank=True, max_length=2000)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name=_("派单人"))
    dispatched_at = models.DateTimeField(_("派单时间"), auto_now_add=True)
    respond_by = models.DateTimeField(_("响应期限"))
    escalation = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    decline_reason = models.TextField(_("婉拒理由"), blank=True, max_length=2000)
    team_leader = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="led_dispatches", verbose_name=_("服务团队负责人"))
    team = models.ManyToManyField("people.Person", blank=True, related_name="team_dispatches",
                                  verbose_name=_("服务团队"))
    plan = models.TextField(_("服务方案"), blank=True, max_length=4000)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    outcome = models.TextField(_("服务成效"), blank=True, max_length=4000)
    rating = models.PositiveSmallIntegerField(_("企业评价"), null=True, blank=True)
    rating_comment = models.TextField(_("评价意见"), blank=True, max_length=2000)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    # 科协报到: the society answers (a team or a reason), then completes; the enterprise rates a completed one.
    WORKFLOW = Workflow("status", DispatchStatus, [
        Transition("accept", {DispatchStatus.WAITING}, DispatchStatus.ACCEPTED, _("响应"),
                   refusal=_("该派单已答复。")),
        Transition("decline", {DispatchStatus.WAITING}, DispatchStatus.DECLINED, _("婉拒"),
                   refusal=_("该派单已答复。"), confirm=_("婉拒后不能再响应这次派单，确定婉拒吗？"),
                   style="secondary"),
        Transition("complete", {DispatchStatus.ACCEPTED}, DispatchStatus.DONE, _("标记服务完成"),
                   refusal=_("只有已响应的派单可以标记服务完成。")),
        Transition("rate", {DispatchStatus.DONE}, None, _("评价"), refusal=_("服务完成后方可评价。")),
        Transition("withdraw", {DispatchStatus.WAITING}, DispatchStatus.WITHDRAWN, _("撤回")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("需求派单")
        ordering = ["need", "dispatched_at", "id"]
        constraints = [models.UniqueConstraint(fields=["need", "society"], condition=~Q(status="withdrawn"),
                                               name="innov_dispatch_unique_live")]
        indexes = [models.Index(fields=["status", "respond_by"], name="innov_dispatch_due")]

    def __str__(self) -> str:
        return f"{self.need} → {self.society}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        """The need's association, or the society it was sent to."""
        return prefix_q("org_path", paths) | prefix_q("society_path", paths)


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待上级科协确认")
    APPROVED = "approved", _("已同意并派单")
    DECLINED = "declined", _("未同意")


class DispatchRequest(models.Model):
    """A dispatch the need's association may not send itself (societies of the province, outside its own scope):
    asked of the nearest association above both (``decider_path``), whose staff approve — the dispatches are then
    created — or decline with a reason (decision 0043). The societies see nothing until it is approved."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="dispatch_requests",
                             verbose_name=_("技术需求"))
    societies = models.ManyToManyField("orgs.Organisation", related_name="+", verbose_name=_("承接学会"))
    org_path = PathField(max_length=255, editable=False)  # the need's
    decider_path = PathField(max_length=255, editable=False)  # the association that decides
    status = models.CharField(_("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    note = models.TextField(_("派单说明"), blank=True, max_length=2000)
    respond_days = models.PositiveSmallIntegerField(_("响应期限（天）"), default=5)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("确认人"))
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    reason = models.TextField(_("未同意理由"), blank=True, max_length=2000)

    objects = ScopedQuerySet.as_manager()

    WORKFLOW = Workflow("status", RequestStatus, [
        Transition("approve", {RequestStatus.PENDING}, RequestStatus.APPROVED, _("同意并派单"),
                   refusal=_("该派单请求已处理。")),
        Transition("decline", {RequestStatus.PENDING}, RequestStatus.DECLINED, _("不同意"),
                   refusal=_("该派单请求已处理。"), confirm=_("不同意后不会派单，确定吗？"), style="secondary"),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("派单请求")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "decider_path"], name="innov_dreq_pending")]

    def __str__(self) -> str:
        return f"{self.need} · {self.get_status_display()}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        """The need's association (who asked) and the association that decides — never the societies."""
        return prefix_q("org_path", paths) | prefix_q("decider_path", paths)


class ServiceSource(models.TextChoices):
    DISPATCH = "dispatch", _("点菜派单")
    INTRODUCTION = "introduction", _("点厨引荐")
    STATION = "station", _("工作站")
    OTHER = "other", _("其他")


class ServiceRecord(models.Model):
    """Who served which enterprise, of which kind, when, with what outcome and rating."""

    society = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="service_records", verbose_name=_("服务学会"))
    expert = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="service_records", verbose_name=_("服务专家"))
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="service_records", verbose_name=_("服务企业"))
    enterprise_name = models.CharField(_("企业名称"), max_length=120)
    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="service_records",
                             verbose_name=_("技术需求"))
    dispatch = models.ForeignKey(Dispatch, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="service_records", verbose_name=_("派单"))
    kind = models.CharField(_("服务类型"), max_length=12, choices=NeedKind.choices)
    source = models.CharField(_("来源"), max_length=12, choices=ServiceSource.choices, default=ServiceSource.OTHER)
    served_on = models.DateField(_("服务日期"))
    outcome = models.TextField(_("服务成效"), blank=True, max_length=4000)
    rating = models.PositiveSmallIntegerField(_("企业评价"), null=True, blank=True)
    org_path = PathField(max_length=255, editable=False)  # the society's (or the need's association)
    need_path = PathField(max_length=255, editable=False, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("服务记录")
        ordering = ["-served_on", "-id"]
        indexes = [models.Index(fields=["served_on"], name="innov_service_date")]

    def __str__(self) -> str:
        return f"{self.enterprise_name} {self.served_on}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return prefix_q("org_path", paths) | prefix_q("need_path", paths)


class MatchFeedback(models.Model):
    """A useful / not useful mark on one matching result of a need (by staff or the enterprise)."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("技术需求"))
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="match_feedback",
                               verbose_name=_("专家"))
    useful = models.BooleanField(_("有用"))
    rank = models.PositiveSmallIntegerField(_("当时的排名"), default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+", verbose_name=_("评价人"))
    at = models.DateTimeField(_("时间"), auto_now=True)
    org_path = PathField(max_length=255, editable=False)  # the need's

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("匹配反馈")
        constraints = [models.UniqueConstraint(fields=["need", "person", "by"], name="innov_feedback_unique")]

    def __str__(self) -> str:
        return f"{self.need} · {self.person} · {self.useful}"
