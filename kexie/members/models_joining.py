"""网上入会: a society's join settings, membership applications with their history and referees, dues payments and
membership certificates with a verification code (decision 0030). Imported by ``kexie.members.models``."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.crypto import EncryptedTextField, mask_phone
from kexie.core.fields import PathField
from kexie.core.models import WorkflowEvent
from kexie.core.scope import ScopedQuerySet
from kexie.core.workflow import Transition, Workflow
from kexie.members.models import Category
from kexie.reviewing.columns import DecidedByDeadline

# Organisation kinds that take individual members online: 学会, its 分支机构, 农技协.
JOINABLE_KINDS = ("society", "society_branch", "agri_assoc")
DEFAULT_CATEGORIES = [Category.MEMBER.value, Category.STUDENT.value]


class JoinSettings(models.Model):
    """入会设置 of one society: open or closed, the categories offered, referees, the decision deadline, yearly
    dues per category, an introduction; and the membership-number sequence (locked when a number is issued)."""

    society = models.OneToOneField("orgs.Organisation", on_delete=models.CASCADE, related_name="join_settings",
                                   verbose_name=_("学会"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    is_open = models.BooleanField(_("开放网上入会"), default=True)
    categories = models.JSONField(_("可申请的会员类别"), default=list, blank=True)
    referees_required = models.PositiveSmallIntegerField(_("需要的推荐人数"), default=0,
                                                         validators=[MaxValueValidator(5)])
    decision_days = models.PositiveSmallIntegerField(_("审批时限（天）"), default=15,
                                                     validators=[MinValueValidator(1), MaxValueValidator(90)])
    dues = models.JSONField(_("年度会费（元）"), default=dict, blank=True)  # category -> yuan a year
    intro = models.TextField(_("入会须知"), blank=True, max_length=2000)
    disciplines = models.ManyToManyField("people.Discipline", blank=True, related_name="+",
                                         verbose_name=_("学科领域"))
    number_prefix = models.CharField(_("会员号前缀"), max_length=20, blank=True)
    accepts_groups = models.BooleanField(_("接受单位会员网上入会"), default=False)
    number_year = models.PositiveSmallIntegerField(default=0, editable=False)
    number_seq = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"
    AUDIT_FIELDS = ("is_open", "categories", "referees_required", "decision_days", "dues", "intro", "number_prefix",
                    "accepts_groups")

    class Meta:
        verbose_name = verbose_name_plural = _("入会设置")

    def __str__(self) -> str:
        return f"{self.society} · {self._meta.verbose_name}"

    @classmethod
    def public_q(cls) -> Q:
        """The directory: open societies of a joinable kind that are alive and active."""
        return (Q(is_open=True) & Q(society__deleted_at__isnull=True) & Q(society__status="active")
                & Q(society__kind__code__in=JOINABLE_KINDS))

    def offered(self) -> list[tuple[str, str]]:
        labels = dict(Category.choices)
        return [(c, str(labels[c])) for c in self.categories if c in labels]

    def dues_for(self, category: str) -> int:
        try:
            return max(0, int(self.dues.get(category, 0)))
        except (TypeError, ValueError):
            return 0

    def dues_lines(self) -> list[tuple[str, int]]:
        return [(label, self.dues_for(c)) for c, label in self.offered()]

    @property
    def takes_groups(self) -> bool:
        """单位入会 is offered: the society is open for joining and accepts group members."""
        return self.is_open and self.accepts_groups


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审批")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED)
S = ApplicationStatus


class MembershipApplication(DecidedByDeadline):
    """入会申请: a person applies to a society; the society approves (a membership and its number), returns it for
    changes, or rejects it with a reason, within ``due_at``."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="join_applications",
                               verbose_name=_("申请人"))
    society = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="join_applications",
                                verbose_name=_("学会"))
    org_path = PathField(max_length=255, editable=False)
    category = models.CharField(_("会员类别"), max_length=10, choices=Category.choices, default=Category.MEMBER)
    statement = models.TextField(_("入会申请陈述"), max_length=2000)
    status = models.CharField(_("状态"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED)
    membership = models.ForeignKey("members.Membership", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="applications", verbose_name=_("会籍"))

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"
    AUDIT_FIELDS = ("category", "statement", "status", "reason", "due_at")

    WORKFLOW = Workflow("status", ApplicationStatus, [
        Transition("resubmit", {S.RETURNED}, S.SUBMITTED, _("重新提交")),
        Transition("approve", {S.SUBMITTED}, S.APPROVED, _("批准入会"),
                   refusal=_("只有待审批的入会申请可以批准。")),
        Transition("return", {S.SUBMITTED}, S.RETURNED, _("退回修改"), style="secondary",
                   refusal=_("只有待审批的入会申请可以退回。")),
        Transition("reject", {S.SUBMITTED}, S.REJECTED, _("不予批准"), style="danger",
                   confirm=_("不予批准后申请即办结，确定吗？"), refusal=_("只有待审批的入会申请可以不予批准。")),
        Transition("withdraw", {S.SUBMITTED, S.RETURNED}, S.WITHDRAWN, _("撤回申请"), style="secondary",
                   confirm=_("撤回后本申请办结，可以重新申请。确定撤回吗？"),
                   refusal=_("申请已办结，不能撤回。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("入会申请")
        constraints = [
            models.UniqueConstraint(fields=["person", "society"], condition=Q(status__in=["submitted", "returned"]),
                                    name="join_application_one_open"),
        ]
        indexes = [
            models.Index(fields=["org_path", "status"], name="join_app_path_status"),
            models.Index(fields=["status", "due_at"], name="join_app_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.society}"


class Referee(models.Model):
    """推荐人: a person of the registry picked by search, or an outsider by name, employer and phone."""

    application = models.ForeignKey(MembershipApplication, on_delete=models.CASCADE, related_name="referees")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("推荐人（平台内）"))
    name = models.CharField(_("推荐人姓名"), max_length=40)
    employer = models.CharField(_("工作单位"), max_length=120, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("推荐人")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


class ApplicationAction(models.TextChoices):
    SUBMITTED = "submitted", _("提交申请")
    RESUBMITTED = "resubmitted", _("重新提交")
    APPROVED = "approved", _("批准入会")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("不予批准")
    WITHDRAWN = "withdrawn", _("撤回申请")
    REMINDED = "reminded", _("临期提醒")
    ESCALATED = "escalated", _("逾期上报")


class ApplicationEvent(WorkflowEvent):
    """入会申请记录."""

    application = models.ForeignKey(MembershipApplication, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("事项"), max_length=12, choices=ApplicationAction.choices)
    comment = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("入会申请记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_action_display()}"


class PaymentMethod(models.TextChoices):
    MANUAL = "manual", _("线下缴费")
    ONLINE = "online", _("网上缴费")
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("转账")
    OTHER = "other", _("其他")


# What staff choose when they record a payment made to the secretariat (the older "线下缴费" rows keep their label).
OFFLINE_METHODS = (PaymentMethod.CASH, PaymentMethod.TRANSFER, PaymentMethod.OTHER)


class DuesPayment(models.Model):
    """会费缴纳: one payment for one year; a receipt number is unique within the society."""

    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="payments",
                                   verbose_name=_("会籍"))
    society = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("学会"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    period = models.PositiveSmallIntegerField(_("缴费年度"), validators=[MinValueValidator(2000),
                                                                     MaxValueValidator(2100)])
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    method = models.CharField(_("缴费方式"), max_length=10, choices=PaymentMethod.choices,
                              default=PaymentMethod.MANUAL)
    receipt_number = models.CharField(_("收据号"), max_length=40)
    paid_on = models.DateField(_("缴费日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("登记人"))
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("会费缴纳")
        ordering = ["-period", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["society", "receipt_number"], name="dues_receipt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} · {self.period}"


CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed from paper


def new_code() -> str:
    """16 characters of a 32-letter alphabet: 80 random bits."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))


def normalise_code(value: Any) -> str:
    text = "".join(ch for ch in str(value or "").upper() if ch.isalnum())
    return text[:32]


class MembershipCertificate(models.Model):
    """会员证书: a verification code printed on the PDF and the e-card; anyone may check it (``members:verify``)."""

    membership = models.ForeignKey("members.Membership", on_delete=models.CASCADE, related_name="certificates",
                                   verbose_name=_("会籍"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    code = models.CharField(_("验证码"), max_length=32, unique=True, default=new_code, editable=False)
    issued_at = models.DateTimeField(_("颁发时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("会员证书")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return "-".join(self.code[i:i + 4] for i in range(0, len(self.code), 4))


# ---- 单位入会 (decision 0036) ---------------------------------------------------------------------------------
class UnitKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    UNIVERSITY = "university", _("高等院校")
    INSTITUTE = "institute", _("科研院所")
    HOSPITAL = "hospital", _("医疗卫生机构")
    OTHER = "other", _("其他单位")


LETTER_MAX_BYTES = 5 * 1024 * 1024
# A letter of the unit (入会公函): the extension and the file's first bytes must agree.
LETTER_SIGNATURES = {"pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",),
                     "jpeg": (b"\xff\xd8\xff",)}


class GroupApplication(DecidedByDeadline):
    """单位入会申请: a signed-in person, acting for their unit (enterprise, university, institute, hospital …), applies
    for the unit to become a group member (单位会员) of a society. Linked to the unit's organisation in the tree or
    its innovation enterprise when the credit code matches; approval creates the ``GroupMembership``."""

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="group_join_applications", verbose_name=_("经办人账号"))
    society = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="group_join_applications",
                                verbose_name=_("学会"))
    org_path = PathField(max_length=255, editable=False)
    unit_name = models.CharField(_("单位名称"), max_length=120)
    unit_uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    unit_kind = models.CharField(_("单位类型"), max_length=12, choices=UnitKind.choices)
    region = models.ForeignKey("orgs.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("所在地区"))
    organisation = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("平台内组织"))
    enterprise = models.ForeignKey("innovation.Enterprise", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("平台内企业"))
    contact_name = models.CharField(_("联系人"), max_length=40)
    contact_phone = EncryptedTextField(_("联系电话"))
    statement = models.TextField(_("入会申请陈述"), max_length=2000)
    letter = models.FileField(_("单位公函"), upload_to="members/group-letters/%Y/%m/", max_length=255, blank=True)
    letter_name = models.CharField(_("公函文件名"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED)
    group_membership = models.ForeignKey("members.GroupMembership", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="applications", verbose_name=_("单位会籍"))

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"
    AUDIT_FIELDS = ("unit_name", "unit_uscc", "unit_kind", "region", "organisation", "enterprise", "contact_name",
                    "statement", "letter_name", "status", "reason", "due_at")

    # The same steps as a personal application (resubmit, approve, return, reject, withdraw).
    WORKFLOW = Workflow("status", ApplicationStatus, [
        Transition("resubmit", {S.RETURNED}, S.SUBMITTED, _("重新提交")),
        Transition("approve", {S.SUBMITTED}, S.APPROVED, _("批准入会"),
                   refusal=_("只有待审批的单位入会申请可以批准。")),
        Transition("return", {S.SUBMITTED}, S.RETURNED, _("退回修改"), style="secondary",
                   refusal=_("只有待审批的单位入会申请可以退回。")),
        Transition("reject", {S.SUBMITTED}, S.REJECTED, _("不予批准"), style="danger",
                   confirm=_("不予批准后申请即办结，确定吗？"), refusal=_("只有待审批的单位入会申请可以不予批准。")),
        Transition("withdraw", {S.SUBMITTED, S.RETURNED}, S.WITHDRAWN, _("撤回申请"), style="secondary",
                   confirm=_("撤回后本申请办结，可以重新申请。确定撤回吗？"),
                   refusal=_("申请已办结，不能撤回。")),
    ])

    class Meta:
        verbose_name = verbose_name_plural = _("单位入会申请")
        constraints = [
            models.UniqueConstraint(fields=["unit_uscc", "society"],
                                    condition=Q(status__in=["submitted", "returned"]),
                                    name="group_application_one_open"),
        ]
        indexes = [
            models.Index(fields=["org_path", "status"], name="group_app_path_status"),
            models.Index(fields=["status", "due_at"], name="group_app_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_name} → {self.society}"

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone) if self.contact_phone else ""


class GroupApplicationEvent(WorkflowEvent):
    """单位入会申请记录."""

    application = models.ForeignKey(GroupApplication, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("事项"), max_length=12, choices=ApplicationAction.choices)
    comment = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("单位入会申请记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_action_display()}"
