"""应急科普: an incident (by type) groups its emergency items; its named approver publishes them on the fast
track, and each must be reviewed afterwards within ``after_review_hours``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet


class IncidentKind(models.TextChoices):
    PUBLIC_HEALTH = "public_health", _("公共卫生事件")
    NATURAL_DISASTER = "natural_disaster", _("自然灾害")
    ACCIDENT = "accident", _("事故灾难")
    PUBLIC_SECURITY = "public_security", _("社会安全事件")


class IncidentStatus(models.TextChoices):
    ACTIVE = "active", _("响应中")
    CLOSED = "closed", _("已结束")


class Incident(models.Model):
    org = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="kepu_incidents",
                            verbose_name=_("响应单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("事件类型"), max_length=20, choices=IncidentKind.choices)
    title = models.CharField(_("事件名称"), max_length=120)
    summary = models.TextField(_("事件说明"), blank=True, max_length=4000)
    region = models.ForeignKey("orgs.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("发生地区"))
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("快速发布审批人"))
    after_review_hours = models.PositiveSmallIntegerField(_("事后审核时限（小时）"), default=24)
    status = models.CharField(_("状态"), max_length=8, choices=IncidentStatus.choices,
                              default=IncidentStatus.ACTIVE)
    started_at = models.DateTimeField(_("开始时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    AUDIT_FIELDS = ("org", "kind", "title", "summary", "approver", "after_review_hours", "status")

    class Meta:
        verbose_name = verbose_name_plural = _("应急事件")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def public_q(cls) -> Q:
        """An incident page is public once it has a published item."""
        from kexie.kepu.models.items import Item

        return Q(Exists(Item.objects.filter(Item.public_q(), incident=OuterRef("pk"))))
