"""Delivery: readers' subscriptions (precise push), public screens (科普大屏) with their playlists and heartbeats,
and the search log that hot topics are counted from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet


class Subscription(models.Model):
    """A reader follows a topic, an audience or a region: new items tagged so reach them through ``notices``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kepu_subscriptions",
                             verbose_name=_("用户"))
    topic = models.ForeignKey("kepu.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("专题"))
    audience = models.ForeignKey("kepu.Audience", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("重点人群"))
    region = models.ForeignKey("orgs.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("地区"))
    created_at = models.DateTimeField(_("订阅时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("科普订阅")
        ordering = ["user", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(topic__isnull=False, audience__isnull=True, region__isnull=True)
                           | Q(topic__isnull=True, audience__isnull=False, region__isnull=True)
                           | Q(topic__isnull=True, audience__isnull=True, region__isnull=False)),
                name="kepu_subscription_one_target"),
            models.UniqueConstraint(fields=["user", "topic"], condition=Q(topic__isnull=False),
                                    name="kepu_subscription_topic"),
            models.UniqueConstraint(fields=["user", "audience"], condition=Q(audience__isnull=False),
                                    name="kepu_subscription_audience"),
            models.UniqueConstraint(fields=["user", "region"], condition=Q(region__isnull=False),
                                    name="kepu_subscription_region"),
        ]

    def __str__(self) -> str:
        return str(self.topic or self.audience or self.region)


class Screen(models.Model):
    """科普大屏: a public screen (a square, a station, a school) that plays the feed of its playlist (region and
    topics) and reports a heartbeat; ``key_digest`` is the SHA-256 of the key it calls with."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="kepu_screens",
                            verbose_name=_("管理单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    name = models.CharField(_("名称"), max_length=80)
    location = models.CharField(_("安放地点"), max_length=200)
    region = models.ForeignKey("orgs.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("所在地区"))
    topics = models.ManyToManyField("kepu.Topic", blank=True, related_name="screens", verbose_name=_("播放专题"))
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    last_heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    AUDIT_FIELDS = ("org", "name", "location", "region", "active")

    class Meta:
        verbose_name = verbose_name_plural = _("科普大屏")
        ordering = ["org_path", "name"]

    def __str__(self) -> str:
        return self.name


class SearchLog(models.Model):
    """One public search (append-only): the query, its normalised terms (space-separated) and the region it came
    from, counted into ``TermDay`` for hot topics."""

    q = models.CharField(_("检索词"), max_length=100)
    terms = models.CharField(_("词语"), max_length=300, blank=True)
    region_code = models.CharField(_("地区代码"), max_length=12, blank=True)
    results = models.PositiveIntegerField(_("结果数"), default=0)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("科普检索记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.q


class TermSource(models.TextChoices):
    SEARCH = "search", _("检索")
    READ = "read", _("阅读")


class TermDay(models.Model):
    """How often a term was searched (or read about, by the read items' topics and title words) on a day in a
    region ('' for all): the series the burst test of hot topics runs over."""

    day = models.DateField(_("日期"))
    term = models.CharField(_("词语"), max_length=40)
    region_code = models.CharField(_("地区代码"), max_length=12, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=TermSource.choices)
    count = models.PositiveIntegerField(_("次数"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("热词日计数")
        ordering = ["-day", "term"]
        constraints = [models.UniqueConstraint(fields=["day", "term", "region_code", "source"],
                                               name="kepu_termday_unique")]
        indexes = [models.Index(fields=["source", "day"], name="kepu_termday_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.term} {self.count}"
