"""点火: workstations, their experts in residence and yearly results, and the station workflow."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel, SoftDeleteQuerySet
from kexie.core.scope import ScopedQuerySet
from kexie.core.workflow import Transition, Workflow
from kexie.innovation.models.needs import Enterprise


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

    # 运行中 ⇄ 协议到期 follow the agreement dates (the daily job); 已撤销 is set by staff and sticks.
    WORKFLOW = Workflow("status", StationStatus, [
        Transition("expire", {StationStatus.ACTIVE}, StationStatus.EXPIRED, _("协议到期")),
        Transition("reactivate", {StationStatus.EXPIRED}, StationStatus.ACTIVE, _("恢复运行")),
        Transition("add_resident", {StationStatus.ACTIVE, StationStatus.EXPIRED}, None, _("进站"),
                   refusal=_("工作站已撤销或删除，不能再进站。")),
        Transition("revoke", {StationStatus.ACTIVE, StationStatus.EXPIRED}, StationStatus.REVOKED, _("撤销工作站"),
                   refusal=_("工作站已撤销。"), confirm=_("撤销后工作站不再计入统计，确定撤销吗？"),
                   style="secondary"),
    ])

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
