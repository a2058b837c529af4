"""Effect (关注度 / 满意度 / 获得感): view events written in batches from a buffer (Redis when configured, an
in-process batch otherwise — never a row per request), rolled up per item, day, channel and region; ratings and the
one-question "did this help"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField


class Channel(models.TextChoices):
    WEB = "web", _("网站")
    WECHAT = "wechat", _("微信")
    SCREEN = "screen", _("科普大屏")
    FEED = "feed", _("订阅源")
    SHARE = "share", _("信息员分享")


class ViewEvent(models.Model):
    """One read: which item, when, through which channel, from which region, by which reader (a keyed hash of
    the session or account, never the address), how long and whether to the end, and whether shared."""

    item = models.ForeignKey("kepu.Item", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    region_code = models.CharField(max_length=12, blank=True)
    reader = models.CharField(max_length=32, blank=True)
    seconds = models.PositiveIntegerField(default=0)
    completed = models.BooleanField(default=False)
    shared = models.BooleanField(default=False)
    officer = models.ForeignKey("kepu.InfoOfficer", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", db_constraint=False)

    class Meta:
        verbose_name = verbose_name_plural = _("阅读记录")
        indexes = [models.Index(fields=["item", "at"], name="kepu_view_item_at"),
                   models.Index(fields=["at"], name="kepu_view_at")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.at:%Y-%m-%d %H:%M}"


class ItemDay(models.Model):
    """The roll-up the effect pages read: per item, day, channel and region."""

    item = models.ForeignKey("kepu.Item", on_delete=models.CASCADE, related_name="days")
    org_path = PathField(max_length=255, db_index=True)  # the item's, for per-organisation figures
    day = models.DateField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    region_code = models.CharField(max_length=12, blank=True)
    views = models.PositiveIntegerField(default=0)
    readers = models.PositiveIntegerField(default=0)
    seconds = models.PositiveBigIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("阅读日统计")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["item", "day", "channel", "region_code"],
                                               name="kepu_itemday_unique")]
        indexes = [models.Index(fields=["day"], name="kepu_itemday_day")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.day} {self.views}"


class Rating(models.Model):
    """A reader's stars (1–5) and answer to 是否有帮助 for an item; one per reader and item (changed, not added)."""

    item = models.ForeignKey("kepu.Item", on_delete=models.CASCADE, related_name="ratings", verbose_name=_("作品"))
    reader = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    stars = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    helped = models.BooleanField(_("有帮助"), null=True, blank=True)
    region_code = models.CharField(max_length=12, blank=True)
    at = models.DateTimeField(_("时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("读者评价")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "reader"], name="kepu_rating_unique"),
            models.CheckConstraint(condition=models.Q(stars__isnull=True) | models.Q(stars__gte=1, stars__lte=5),
                                   name="kepu_rating_stars"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.stars}"
