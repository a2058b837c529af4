"""The organisation tree (SPEC §2.1): kinds as data, regions by GB/T 2260 code, a materialised
path (django-treebeard MP) that every scope check filters on."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from kexie.core.models import SoftDeleteModel
from kexie.core.scope import ScopedQuerySet
from kexie.core.validators import validate_phone, validate_region_code, validate_uscc


class Level(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇级")
    VILLAGE = "village", _("村（社区）级")


class Region(models.Model):
    """行政区划 (GB/T 2260 for province/city/county; 9/12-digit codes below)."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True, validators=[validate_region_code])
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class KindCategory(models.TextChoices):
    ASSOCIATION = "association", _("科协")
    SOCIETY = "society", _("学会")
    GRASSROOTS = "grassroots", _("基层组织")
    PLATFORM = "platform", _("平台单位")
    OTHER = "other", _("其他单位")


class OrgKind(models.Model):
    """组织类型 — the list is data (migrations ship the defaults; staff may add more)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    category = models.CharField(_("类别"), max_length=20, choices=KindCategory.choices)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = verbose_name_plural = _("组织类型")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the interface language: the kinds shipped in ``kinds.py`` are in the message
        catalogue (their Chinese names are the message ids); kinds added by staff show as entered."""
        return gettext(self.name) if self.name else self.name


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    PREPARING = "preparing", _("筹建中")
    SUSPENDED = "suspended", _("暂停活动")
    DISSOLVED = "dissolved", _("已注销")
    REVOKED = "revoked", _("已撤销")


class Grade(models.TextChoices):
    NONE = "", _("未评估")
    A5 = "5A", "5A"
    A4 = "4A", "4A"
    A3 = "3A", "3A"
    A2 = "2A", "2A"
    A1 = "1A", "1A"


class PartyOrgType(models.TextChoices):
    NONE = "", _("未建立")
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    FUNCTIONAL = "functional", _("功能型党组织")


class Sector(models.TextChoices):
    """学科门类, used by 分类评价 of societies."""

    NONE = "", "—"
    SCIENCE = "science", _("理科")
    ENGINEERING = "engineering", _("工科")
    AGRICULTURE = "agriculture", _("农科")
    MEDICINE = "medicine", _("医科")
    CROSS = "cross", _("交叉")


# treebeard ships no type information: its classes are Any to mypy, hence the ignores on the subclasses.
class OrganisationQuerySet(MP_NodeQuerySet, ScopedQuerySet["Organisation"]):  # type: ignore[misc]  # treebeard: no types
    def alive(self) -> OrganisationQuerySet:
        return self.filter(deleted_at__isnull=True)

    def subtree_of(self, org: Organisation) -> OrganisationQuerySet:
        from kexie.core.scope import prefix_q

        return self.filter(prefix_q("path", [org.path]))


class OrganisationManager(MP_NodeManager):  # type: ignore[misc]  # treebeard: no types
    def get_queryset(self) -> OrganisationQuerySet:
        return OrganisationQuerySet(self.model, using=self._db).order_by("path")

    def for_user(self, user: Any, action: str = "orgs.view") -> OrganisationQuerySet:
        return self.get_queryset().for_user(user, action)

    def alive(self) -> OrganisationQuerySet:
        return self.get_queryset().alive()

    def for_public(self) -> OrganisationQuerySet:
        qs: OrganisationQuerySet = self.get_queryset().for_public()
        return qs


class Organisation(MP_Node, SoftDeleteModel):  # type: ignore[misc]  # treebeard: no types
    """组织: a 科协 at some level, a 学会 or its branch, a grassroots association, a platform unit."""

    steplen = 4
    node_order_by: list[str] = []

    name = models.CharField(_("名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    code = models.CharField(_("组织编码"), max_length=40, unique=True, help_text=_("平台内唯一编码"))
    kind = models.ForeignKey(OrgKind, on_delete=models.PROTECT, verbose_name=_("类型"))
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("所在地区"))
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_uscc]
    )
    status = models.CharField(_("状态"), max_length=12, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    grade = models.CharField(_("评估等级"), max_length=4, choices=Grade.choices, blank=True, default="")
    sector = models.CharField(_("学科门类"), max_length=12, choices=Sector.choices, blank=True, default="")
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    supervisor = models.CharField(_("业务主管单位"), max_length=120, blank=True)
    party_org_type = models.CharField(
        _("党组织类型"), max_length=20, choices=PartyOrgType.choices, blank=True, default=""
    )
    party_org_name = models.CharField(_("党组织名称"), max_length=120, blank=True)
    party_members = models.PositiveIntegerField(_("党员人数"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True, validators=[validate_phone])
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    website = models.URLField(_("网站"), blank=True)
    note = models.TextField(_("备注"), blank=True, max_length=2000)
    people_count = models.PositiveIntegerField(_("本组织登记人员数"), default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OrganisationManager()
    scope_path_field = "path"

    AUDIT_FIELDS = (
        "name", "short_name", "code", "kind", "level", "region", "uscc", "status", "grade", "sector",
        "founded_on", "supervisor", "party_org_type", "party_org_name", "party_members",
        "contact_name", "contact_phone", "email", "address", "website", "note",
    )

    class Meta:
        verbose_name = verbose_name_plural = _("组织")
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="org_uscc_unique"),
        ]
        indexes = [models.Index(fields=["kind", "level"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def public_q(cls) -> Q:
        """What anonymous visitors may pick in public forms (the organisation picker, decision 0034): the 科协 and
        学会 in operation — public bodies by their nature; grassroots units, platform units and anything
        dissolved or deleted are not offered."""
        return Q(deleted_at__isnull=True, status=OrgStatus.ACTIVE,
                 kind__category__in=[KindCategory.ASSOCIATION, KindCategory.SOCIETY])

    def parent_id_from_path(self) -> str:
        parent_path: str = self.path[: -self.steplen]
        return parent_path


from kexie.orgs.models_founding import (  # noqa: E402, F401  (after Organisation; 网上组建, decision 0037)
    FormationEvent,
    FormationRequest,
)
