"""Memberships (个人会员, 单位会员) with status from dates, and leadership bodies with terms and posts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel
from kexie.core.scope import ScopedQuerySet


class Category(models.TextChoices):
    STUDENT = "student", _("学生会员")
    MEMBER = "member", _("会员")
    SENIOR = "senior", _("高级会员")
    FELLOW = "fellow", _("资深会员")
    HONORARY = "honorary", _("荣誉会员")


class Status(models.TextChoices):
    PENDING = "pending", _("待审批")
    NEW = "new", _("新入会")
    CURRENT = "current", _("有效")
    GRACE = "grace", _("宽限期")
    EXPIRED = "expired", _("已过期")
    WITHDRAWN = "withdrawn", _("已退会")
    EXPELLED = "expelled", _("已除名")
    REJECTED = "rejected", _("未通过")


ENDED = (Status.WITHDRAWN, Status.EXPELLED, Status.REJECTED)
LIVE = (Status.PENDING, Status.NEW, Status.CURRENT, Status.GRACE, Status.EXPIRED)


class Membership(SoftDeleteModel):
    """个人会员: a person in a society. Status follows from the dates (see ``status.py``)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="memberships",
                               verbose_name=_("会员"))
    society = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="memberships",
                                verbose_name=_("学会"))
    org_path = PathField(max_length=255, editable=False)
    category = models.CharField(_("会员类别"), max_length=10, choices=Category.choices, default=Category.MEMBER)
    number = models.CharField(_("会员号"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    applied_on = models.DateField(_("申请日期"), null=True, blank=True)
    joined_on = models.DateField(_("入会日期"), null=True, blank=True)
    dues_paid_through = models.DateField(_("会费缴至"), null=True, blank=True)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"
    AUDIT_FIELDS = ("person", "society", "category", "number", "status", "applied_on", "joined_on",
                    "dues_paid_through", "ended_on", "note")

    class Meta:
        verbose_name = verbose_name_plural = _("个人会员")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "society"],
                condition=Q(deleted_at__isnull=True) & ~Q(status__in=["withdrawn", "expelled", "rejected"]),
                name="membership_one_live_per_society",
            ),
            models.UniqueConstraint(
                fields=["society", "number"], condition=~Q(number=""), name="membership_number_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["org_path", "person"], name="membership_path_person"),
            models.Index(fields=["status"], name="membership_status"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.society}"


class EventKind(models.TextChoices):
    APPLIED = "applied", pgettext_lazy("membership event", "申请入会")
    APPROVED = "approved", pgettext_lazy("membership event", "批准入会")
    REJECTED = "rejected", pgettext_lazy("membership event", "不予批准")
    CATEGORY = "category", pgettext_lazy("membership event", "变更会员类别")
    DUES = "dues", pgettext_lazy("membership event", "缴纳会费")
    WITHDRAWN = "withdrawn", pgettext_lazy("membership event", "退会")
    EXPELLED = "expelled", pgettext_lazy("membership event", "除名")
    RESTORED = "restored", pgettext_lazy("membership event", "恢复")


class MembershipEvent(models.Model):
    """会员履历: every category change, approval, dues payment and ending, kept forever."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事项"), max_length=12, choices=EventKind.choices)
    category = models.CharField(_("会员类别"), max_length=10, choices=Category.choices, blank=True)
    on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("会员履历")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()}"


class GroupMembership(SoftDeleteModel):
    """单位会员: an organisation (enterprise, university, institute) as member of a society — an organisation of the
    tree (``member``), or a unit outside it known by its name and credit code (approved online; decision 0036)."""

    member = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="group_memberships", verbose_name=_("会员单位"))
    unit_name = models.CharField(_("单位名称"), max_length=120, blank=True)
    unit_uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    society = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="group_members",
                                verbose_name=_("学会"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    number = models.CharField(_("会员号"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    joined_on = models.DateField(_("入会日期"), null=True, blank=True)
    dues_paid_through = models.DateField(_("会费缴至"), null=True, blank=True)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    representative = models.CharField(_("单位代表"), max_length=40, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("单位会员")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "society"],
                condition=Q(deleted_at__isnull=True) & ~Q(status__in=["withdrawn", "expelled", "rejected"]),
                name="group_membership_one_live",
            ),
            models.UniqueConstraint(
                fields=["unit_uscc", "society"],
                condition=Q(deleted_at__isnull=True) & ~Q(unit_uscc="")
                & ~Q(status__in=["withdrawn", "expelled", "rejected"]),
                name="group_membership_one_live_uscc",
            ),
            models.CheckConstraint(condition=Q(member__isnull=False) | ~Q(unit_name=""),
                                   name="group_membership_names_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} · {self.society}"

    @property
    def display_name(self) -> str:
        return self.member.name if self.member_id and self.member else self.unit_name


class BodyKind(models.TextChoices):
    CONGRESS = "congress", _("会员（代表）大会")
    COUNCIL = "council", _("理事会")
    STANDING = "standing", _("常务理事会")
    SUPERVISORY = "supervisory", _("监事会")
    SECRETARIAT = "secretariat", _("秘书处")


class LeadershipBody(models.Model):
    """领导机构: one per kind per organisation; its terms (届) carry the posts."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="bodies",
                                      verbose_name=_("组织"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("机构"), max_length=12, choices=BodyKind.choices)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("领导机构")
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"], name="body_kind_unique")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.get_kind_display()}"


class Term(models.Model):
    """届: e.g. 第九届理事会, with its start and due end (换届)."""

    body = models.ForeignKey(LeadershipBody, on_delete=models.CASCADE, related_name="terms", verbose_name=_("机构"))
    number = models.PositiveSmallIntegerField(_("届次"))
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("届满日期"))

    class Meta:
        verbose_name = verbose_name_plural = _("届次")
        ordering = ["body", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["body", "number"], name="term_number_unique"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="term_dates_ordered"),
        ]

    def __str__(self) -> str:
        return gettext("第%(number)s届") % {"number": self.number}


class Position(models.TextChoices):
    CHAIR = "chair", _("理事长（会长）")
    VICE_CHAIR = "vice_chair", _("副理事长（副会长）")
    SECRETARY_GENERAL = "secretary_general", _("秘书长")
    DEPUTY_SECRETARY = "deputy_secretary", _("副秘书长")
    STANDING_MEMBER = "standing_member", _("常务理事")
    COUNCIL_MEMBER = "council_member", _("理事")
    SUPERVISOR_CHAIR = "supervisor_chair", _("监事长")
    SUPERVISOR = "supervisor", _("监事")
    DELEGATE = "delegate", _("代表")
    STAFF = "staff", _("工作人员")


class OfficialStatus(models.TextChoices):
    NONE = "", _("否")
    SERVING = "serving", _("在职公职人员")
    RETIRED = "retired", _("退（离）休公职人员")


class Post(models.Model):
    """职务: a person's seat in a term of a body."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="posts", verbose_name=_("届次"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="posts", verbose_name=_("人员"))
    position = models.CharField(_("职务"), max_length=20, choices=Position.choices)
    frontline = models.BooleanField(_("一线科技工作者"), default=False)
    official = models.CharField(_("公职人员"), max_length=10, choices=OfficialStatus.choices, blank=True, default="")
    starts_on = models.DateField(_("任职日期"), null=True, blank=True)
    ends_on = models.DateField(_("离任日期"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("职务")
        constraints = [
            models.UniqueConstraint(fields=["term", "person", "position"], name="post_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_position_display()}"


# 网上入会 (decision 0030): its models live beside these, in the same app.
from kexie.members.models_joining import (  # noqa: E402, F401  (after Membership and Category, which they use)
    ApplicationEvent,
    DuesPayment,
    GroupApplication,
    GroupApplicationEvent,
    JoinSettings,
    MembershipApplication,
    MembershipCertificate,
    Referee,
)
