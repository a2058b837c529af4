"""数字科创 (SPEC §3.5): enterprises, technology needs, achievements, dispatches to societies (点菜), service
records and matching feedback.

An ``Enterprise`` registers with its unified social credit code (checked against GB 32100, then verified by the
serving association's staff) and is served by a ``host`` association, whose path scopes it. A ``Need`` is posted by
an enterprise's users (or entered by staff), reviewed before publication and followed through
提交 → 审核 → 发布 → 对接中 → 已对接 → 已解决 / 关闭 (``NeedEvent`` history). A ``Dispatch`` sends a published need to
a society, which answers within the agreed time with a service team or a reason to decline; overdue dispatches
escalate. When the service is done the enterprise rates it, which writes a ``ServiceRecord`` — the yearly count
of service per society and per expert. ``MatchFeedback`` keeps useful / not useful marks on matching results.
"""

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


# ---- 科技成果 and the marketplace (科创云集市) ------------------------------------------------------
class Maturity(models.TextChoices):
    RESEARCH = "research", _("研发阶段")
    PILOT_SMALL = "pilot_small", _("小试")
    PILOT = "pilot", _("中试")
    SMALL_BATCH = "small_batch", _("小批量生产")
    INDUSTRIAL = "industrial", _("产业化")


class TransferMode(models.TextChoices):
    ASSIGNMENT = "assignment", _("转让")
    LICENCE = "licence", _("许可")
    EQUITY = "equity", _("作价入股")
    JOINT = "joint", _("合作开发")
    SERVICE = "service", _("技术服务")


class AchievementStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已下架")


class Achievement(SoftDeleteModel):
    """科技成果: a result offered for transfer, registered by an association (for its scientists or units)."""

    title = models.CharField(_("成果名称"), max_length=120)
    description = models.TextField(_("成果简介"), max_length=4000)
    holders = models.JSONField(_("成果持有人"), default=list, blank=True)  # [{"name": "…", "person_id": 1}]
    holder_org = models.CharField(_("持有单位"), max_length=120, blank=True)
    lead = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="achievements", verbose_name=_("第一完成人"))
    maturity = models.CharField(_("成熟度"), max_length=12, choices=Maturity.choices)
    patents = models.JSONField(_("专利"), default=list, blank=True)  # ["ZL202110000000.1", …]
    transfer_mode = models.CharField(_("转化方式"), max_length=12, choices=TransferMode.choices)
    industry = models.CharField(_("应用行业"), max_length=2, blank=True)
    disciplines = models.JSONField(_("学科代码"), default=list, blank=True)
    price = models.DecimalField(_("参考价格（万元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="achievements",
                              verbose_name=_("登记单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=AchievementStatus.choices,
                              default=AchievementStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    AUDIT_FIELDS = ("title", "holder_org", "lead", "maturity", "transfer_mode", "industry", "price", "status")

    class Meta:
        verbose_name = verbose_name_plural = _("科技成果")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"], name="innov_achv_status")]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def public_q(cls) -> Q:
        """On the marketplace (``for_public``): published and not deleted (never drafts or withdrawn ones)."""
        return Q(deleted_at__isnull=True, status=AchievementStatus.PUBLISHED)


class EnquiryStatus(models.TextChoices):
    NEW = "new", _("待处理")
    HANDLED = "handled", _("已处理")


class Enquiry(models.Model):
    """对接意向 from the public marketplace on a published need or achievement; handled by the owner's staff."""

    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.CASCADE, related_name="enquiries",
                             verbose_name=_("技术需求"))
    achievement = models.ForeignKey(Achievement, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="enquiries", verbose_name=_("科技成果"))
    name = models.CharField(_("联系人"), max_length=40)
    organisation = models.CharField(_("单位"), max_length=120, blank=True)
    contact = EncryptedTextField(_("联系方式"))
    text = models.TextField(_("意向说明"), max_length=2000)
    status = models.CharField(_("状态"), max_length=8, choices=EnquiryStatus.choices, default=EnquiryStatus.NEW)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("处理人"))
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.TextField(_("处理说明"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    org_path = PathField(max_length=255, editable=False)  # the need's or achievement's

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("对接意向")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(need__isnull=False) | Q(achievement__isnull=False),
                                              name="innov_enquiry_has_target")]

    def __str__(self) -> str:
        return f"{self.name} → {self.need or self.achievement}"


# ---- 点厨: an enterprise names an expert ------------------------------------------------------------
class IntroStatus(models.TextChoices):
    REQUESTED = "requested", _("待引荐")
    BROKERED = "brokered", _("已联系专家")
    ACCEPTED = "accepted", _("专家同意")
    DECLINED = "declined", _("专家婉拒")
    CANCELLED = "cancelled", _("已取消")
    DONE = "done", _("服务完成")


class Introduction(models.Model):
    """点厨: an enterprise asks to be introduced to a named expert; the association's staff broker it; the expert
    accepts or declines. Contact details are shown to either side only after the expert accepts."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="introductions",
                                   verbose_name=_("企业"))
    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="introductions",
                             verbose_name=_("技术需求"))
    expert = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="introductions",
                               verbose_name=_("专家"))
    message = models.TextField(_("需求说明"), max_length=2000)
    status = models.CharField(_("状态"), max_length=10, choices=IntroStatus.choices, default=IntroStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    brokered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("引荐人"))
    brokered_at = models.DateTimeField(_("引荐时间"), null=True, blank=True)
    staff_note = models.TextField(_("引荐说明"), blank=True, max_length=2000)
    answered_at = models.DateTimeField(_("专家答复时间"), null=True, blank=True)
    decline_reason = models.TextField(_("婉拒理由"), blank=True, max_length=2000)
    outcome = models.TextField(_("服务成效"), blank=True, max_length=4000)
    rating = models.PositiveSmallIntegerField(_("企业评价"), null=True, blank=True)
    org_path = PathField(max_length=255, editable=False)  # the enterprise's host association
    expert_path = PathField(max_length=255, editable=False)  # the expert's organisation

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("专家引荐")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise} → {self.expert}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return prefix_q("org_path", paths) | prefix_q("expert_path", paths)


# ---- 点火: workstations --------------------------------------------------------------------------------
class StationKind(models.TextChoices):
    ACADEMICIAN = "academician", _("院士工作站")
    EXPERT = "expert", _("专家工作站")
    SOCIETY = "society", _("学会服务站")
    HAIZHI = "haizhi", _("海智工作站")


class StationStatus(models.TextChoices):
    ACTIVE = "active", _("运行中")
    EXPIRED = "expired", _("协议到期")
    REVOKED = "revoked", _("已撤销")


class Station(SoftDeleteModel):
    """点火: a workstation hosted by an enterprise (or unit) with experts in residence under an agreement."""

    kind = models.CharField(_("类型"), max_length=12, choices=StationKind.choices)
    name = models.CharField(_("名称"), max_length=120)
    host_enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="stations", verbose_name=_("依托企业"))
    host_name = models.CharField(_("依托单位"), max_length=120)
    society = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="stations", verbose_name=_("合作学会"))
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="managed_stations",
                              verbose_name=_("管理科协"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    agreement_start = models.DateField(_("协议开始"))
    agreement_end = models.DateField(_("协议结束"))
    status = models.CharField(_("状态"), max_length=8, choices=StationStatus.choices, default=StationStatus.ACTIVE)
    experts: Any = models.ManyToManyField("people.Person", through="StationExpert", related_name="stations",
                                           verbose_name=_("进站专家"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    AUDIT_FIELDS = ("kind", "name", "host_name", "society", "owner", "agreement_start", "agreement_end", "status")

    class Meta:
        verbose_name = verbose_name_plural = _("工作站")
        ordering = ["org_path", "name"]

    def __str__(self) -> str:
        return self.name


class StationExpert(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="residents", verbose_name=_("工作站"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("专家"))
    role = models.CharField(_("角色"), max_length=40, blank=True)
    joined_on = models.DateField(_("进站日期"))
    left_on = models.DateField(_("离站日期"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("进站专家")
        constraints = [models.UniqueConstraint(fields=["station", "person"], name="innov_station_expert_unique")]

    def __str__(self) -> str:
        return f"{self.station} · {self.person}"


class StationYear(models.Model):
    """A workstation's results of one year (projects, patents, people trained, revenue)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="years", verbose_name=_("工作站"))
    year = models.PositiveSmallIntegerField(_("年度"))
    projects = models.PositiveIntegerField(_("合作项目数"), default=0)
    patents = models.PositiveIntegerField(_("专利数"), default=0)
    trained = models.PositiveIntegerField(_("培养人才数"), default=0)
    revenue = models.DecimalField(_("新增产值（万元）"), max_digits=14, decimal_places=2, default=0)
    note = models.TextField(_("说明"), blank=True, max_length=2000)
    org_path = PathField(max_length=255, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("工作站年度成效")
        ordering = ["station", "-year"]
        constraints = [models.UniqueConstraint(fields=["station", "year"], name="innov_station_year_unique")]

    def __str__(self) -> str:
        return f"{self.station} {self.year}"


# ---- 揭榜挂帅: open challenges --------------------------------------------------------------------------
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

    class Meta:
        verbose_name = verbose_name_plural = _("揭榜里程碑")
        ordering = ["challenge", "due", "id"]

    def __str__(self) -> str:
        return f"{self.challenge} · {self.title}"
