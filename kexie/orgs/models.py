"""The organisation tree (SPEC §2.1): kinds as data, regions by GB/T 2260 code, a materialised
path (django-treebeard MP) that every scope check filters on."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from kexie.core.models import SoftDeleteModel
from kexie.core.scope import ScopedQuerySet
from kexie.core.validators import validate_phone, validate_region_code, validate_uscc


class Level(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇级"
    VILLAGE = "village", "村（社区）级"


class Region(models.Model):
    """行政区划 (GB/T 2260 for province/city/county; 9/12-digit codes below)."""

    code = models.CharField("区划代码", max_length=12, unique=True, validators=[validate_region_code])
    name = models.CharField("名称", max_length=60)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class KindCategory(models.TextChoices):
    ASSOCIATION = "association", "科协"
    SOCIETY = "society", "学会"
    GRASSROOTS = "grassroots", "基层组织"
    PLATFORM = "platform", "平台单位"
    OTHER = "other", "其他单位"


class OrgKind(models.Model):
    """组织类型 — the list is data (migrations ship the defaults; staff may add more)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    category = models.CharField("类别", max_length=20, choices=KindCategory.choices)
    sort = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = verbose_name_plural = "组织类型"
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class OrgStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    PREPARING = "preparing", "筹建中"
    SUSPENDED = "suspended", "暂停活动"
    DISSOLVED = "dissolved", "已注销"
    REVOKED = "revoked", "已撤销"


class Grade(models.TextChoices):
    NONE = "", "未评估"
    A5 = "5A", "5A"
    A4 = "4A", "4A"
    A3 = "3A", "3A"
    A2 = "2A", "2A"
    A1 = "1A", "1A"


class PartyOrgType(models.TextChoices):
    NONE = "", "未建立"
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    JOINT_BRANCH = "joint_branch", "联合党支部"
    FUNCTIONAL = "functional", "功能型党组织"


class Sector(models.TextChoices):
    """学科门类, used by 分类评价 of societies."""

    NONE = "", "—"
    SCIENCE = "science", "理科"
    ENGINEERING = "engineering", "工科"
    AGRICULTURE = "agriculture", "农科"
    MEDICINE = "medicine", "医科"
    CROSS = "cross", "交叉"


class OrganisationQuerySet(MP_NodeQuerySet, ScopedQuerySet):
    def alive(self) -> OrganisationQuerySet:
        return self.filter(deleted_at__isnull=True)

    def subtree_of(self, org: Organisation) -> OrganisationQuerySet:
        from kexie.core.scope import prefix_q

        return self.filter(prefix_q("path", [org.path]))


class OrganisationManager(MP_NodeManager):
    def get_queryset(self) -> OrganisationQuerySet:
        return OrganisationQuerySet(self.model, using=self._db).order_by("path")

    def for_user(self, user, action: str = "view") -> OrganisationQuerySet:
        return self.get_queryset().for_user(user, action)

    def alive(self) -> OrganisationQuerySet:
        return self.get_queryset().alive()


class Organisation(MP_Node, SoftDeleteModel):
    """组织: a 科协 at some level, a 学会 or its branch, a grassroots association, a platform unit."""

    steplen = 4
    node_order_by: list[str] = []

    name = models.CharField("名称", max_length=120)
    short_name = models.CharField("简称", max_length=60, blank=True)
    code = models.CharField("组织编码", max_length=40, unique=True, help_text="平台内唯一编码")
    kind = models.ForeignKey(OrgKind, on_delete=models.PROTECT, verbose_name="类型")
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, verbose_name="所在地区")
    uscc = models.CharField(
        "统一社会信用代码", max_length=18, blank=True, validators=[validate_uscc]
    )
    status = models.CharField("状态", max_length=12, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    grade = models.CharField("评估等级", max_length=4, choices=Grade.choices, blank=True, default="")
    sector = models.CharField("学科门类", max_length=12, choices=Sector.choices, blank=True, default="")
    founded_on = models.DateField("成立日期", null=True, blank=True)
    supervisor = models.CharField("业务主管单位", max_length=120, blank=True)
    party_org_type = models.CharField(
        "党组织类型", max_length=20, choices=PartyOrgType.choices, blank=True, default=""
    )
    party_org_name = models.CharField("党组织名称", max_length=120, blank=True)
    party_members = models.PositiveIntegerField("党员人数", null=True, blank=True)
    contact_name = models.CharField("联系人", max_length=40, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True, validators=[validate_phone])
    email = models.EmailField("电子邮箱", blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    website = models.URLField("网站", blank=True)
    note = models.TextField("备注", blank=True, max_length=2000)
    people_count = models.PositiveIntegerField("本组织登记人员数", default=0, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = OrganisationManager()
    scope_path_field = "path"

    AUDIT_FIELDS = (
        "name", "short_name", "code", "kind", "level", "region", "uscc", "status", "grade", "sector",
        "founded_on", "supervisor", "party_org_type", "party_org_name", "party_members",
        "contact_name", "contact_phone", "email", "address", "website", "note",
    )

    class Meta:
        verbose_name = verbose_name_plural = "组织"
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="org_uscc_unique"),
        ]
        indexes = [models.Index(fields=["kind", "level"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def parent_id_from_path(self) -> str:
        return self.path[: -self.steplen]
