"""科普中国信息员: registered people who share items; points by configurable rules (``PointRule``), a ledger
(``PointEntry``), yearly ranking and the top-N list."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet


class InfoOfficer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kepu_officer",
                                verbose_name=_("用户"))
    org = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="kepu_officers",
                            verbose_name=_("所属组织"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    number = models.CharField(_("信息员编号"), max_length=20, unique=True)
    display_name = models.CharField(_("昵称"), max_length=40)
    region = models.ForeignKey("orgs.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("所在地区"))
    share_code = models.CharField(max_length=16, unique=True, editable=False)
    active = models.BooleanField(_("有效"), default=True)
    registered_at = models.DateTimeField(_("注册时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("科普信息员")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.display_name


class PointAction(models.TextChoices):
    SHARE = "share", _("分享作品")
    SHARE_READ = "share_read", _("分享带来阅读")
    COMPLETED_READ = "completed_read", _("完整阅读")
    RATED = "rated", _("评价作品")
    REPORTED_RUMOUR = "reported_rumour", _("报送流言")


class PointRule(models.Model):
    """Points for an action, with a daily cap per officer (0: none)."""

    action = models.CharField(_("行为"), max_length=16, choices=PointAction.choices, unique=True)
    points = models.PositiveSmallIntegerField(_("积分"))
    daily_cap = models.PositiveSmallIntegerField(_("每日上限"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("积分规则")
        ordering = ["action"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.points}"


class PointEntry(models.Model):
    officer = models.ForeignKey(InfoOfficer, on_delete=models.CASCADE, related_name="points",
                                verbose_name=_("信息员"))
    action = models.CharField(_("行为"), max_length=16, choices=PointAction.choices)
    points = models.IntegerField(_("积分"))
    item = models.ForeignKey("kepu.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("作品"))
    day = models.DateField(_("日期"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("积分记录")
        ordering = ["-at"]
        indexes = [models.Index(fields=["officer", "action", "day"], name="kepu_points_day"),
                   models.Index(fields=["day"], name="kepu_points_year")]

    def __str__(self) -> str:
        return f"{self.officer_id} {self.action} {self.points}"
