"""科普作品: an article (sanitised rich text with images), a video, an image set or an audio, owned by an
organisation (``org``: its scope), tagged with disciplines, topics, audiences and target regions, kept in versions,
reviewed (``kexie.kepu.models.review``) and published, retracted with a public correction note, and shared down
the tree (``Adoption``: a province item carried by a city, county or 科普e站 channel with attribution; ``origin``: a
republished copy)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel, SoftDeleteQuerySet, WorkflowEvent
from kexie.core.scope import ScopedQuerySet
from kexie.core.workflow import Transition, Workflow


class ItemKind(models.TextChoices):
    ARTICLE = "article", _("图文")
    VIDEO = "video", _("视频")
    IMAGES = "images", _("图集")
    AUDIO = "audio", _("音频")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SCIENCE = "science", _("科学性审核中")
    EDITORIAL = "editorial", _("编辑审核中")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("待发布")
    PUBLISHED = "published", _("已发布")
    RETRACTED = "retracted", _("已撤稿")


class Item(SoftDeleteModel):
    """A 科普 item. ``body`` is HTML sanitised on save by the services (nh3; decision 0049); the reader sees the
    current version's text. ``incident`` marks emergency science (应急科普): published by the incident's approver on
    the fast track, then reviewed afterwards within the incident's hours (``after_review_due_at``)."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="kepu_items",
                            verbose_name=_("发布单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("形式"), max_length=10, choices=ItemKind.choices, default=ItemKind.ARTICLE)
    title = models.CharField(_("标题"), max_length=120)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"), max_length=100_000, blank=True)
    source = models.CharField(_("来源"), max_length=120, blank=True)
    source_url = models.URLField(_("来源链接"), max_length=500, blank=True)
    byline = models.CharField(_("作者署名"), max_length=120, blank=True)
    disciplines = models.ManyToManyField("people.Discipline", blank=True, related_name="kepu_items",
                                         verbose_name=_("学科"))
    topics = models.ManyToManyField("kepu.Topic", blank=True, related_name="items", verbose_name=_("专题"))
    audiences = models.ManyToManyField("kepu.Audience", blank=True, related_name="items",
                                       verbose_name=_("重点人群"))
    regions = models.ManyToManyField("orgs.Region", blank=True, related_name="kepu_items",
                                     verbose_name=_("面向地区"))
    health = models.BooleanField(_("医学健康类"), default=False,
                                 help_text=_("医学健康类作品须经两位专家科学性审核。"))
    status = models.CharField(_("状态"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    publish_at = models.DateTimeField(_("定时发布"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    retracted_at = models.DateTimeField(_("撤稿时间"), null=True, blank=True)
    correction = models.TextField(_("更正说明"), max_length=2000, blank=True)
    incident = models.ForeignKey("kepu.Incident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="items", verbose_name=_("应急事件"))
    after_review_due_at = models.DateTimeField(_("事后审核期限"), null=True, blank=True)
    after_reviewed_at = models.DateTimeField(_("事后审核完成"), null=True, blank=True)
    after_review_escalated_at = models.DateTimeField(_("事后审核督办"), null=True, blank=True)
    origin = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies",
                               verbose_name=_("转载自"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("撰稿人"))
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("编辑中"))
    locked_until = models.DateTimeField(_("编辑锁定至"), null=True, blank=True)
    # Effect, rolled up from the view counters (kexie.kepu.effect): never written per view.
    views = models.PositiveBigIntegerField(_("阅读量"), default=0)
    readers = models.PositiveBigIntegerField(_("读者数"), default=0)
    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    WORKFLOW = Workflow("status", ItemStatus, [
        Transition("submit", {ItemStatus.DRAFT, ItemStatus.RETURNED}, ItemStatus.SCIENCE, _("提交审核"),
                   refusal=_("只有草稿或退回修改的作品可以提交审核。")),
        Transition("withdraw", {ItemStatus.SCIENCE, ItemStatus.EDITORIAL}, ItemStatus.DRAFT, _("撤回审核"),
                   refusal=_("作品不在审核中。"), confirm=_("撤回后审核终止，确定撤回吗？"), style="secondary"),
        Transition("pass_science", {ItemStatus.SCIENCE}, ItemStatus.EDITORIAL, _("科学性审核通过"),
                   refusal=_("作品不在科学性审核中。")),
        Transition("return", {ItemStatus.SCIENCE, ItemStatus.EDITORIAL}, ItemStatus.RETURNED, _("退回修改"),
                   refusal=_("作品不在审核中。"), style="secondary"),
        Transition("approve", {ItemStatus.EDITORIAL}, ItemStatus.APPROVED, _("编辑审核通过"),
                   refusal=_("作品不在编辑审核中。")),
        Transition("publish", {ItemStatus.APPROVED}, ItemStatus.PUBLISHED, _("发布"),
                   refusal=_("只有审核通过的作品可以发布。")),
        Transition("fast_publish", {ItemStatus.DRAFT, ItemStatus.RETURNED}, ItemStatus.PUBLISHED,
                   _("应急快速发布"), refusal=_("只有草稿可以走应急快速发布。"),
                   confirm=_("应急作品将立即发布，并须在规定时限内完成事后审核。确定发布吗？")),
        Transition("retract", {ItemStatus.PUBLISHED, ItemStatus.APPROVED}, ItemStatus.RETRACTED, _("撤稿"),
                   refusal=_("只有已发布或待发布的作品可以撤稿。"),
                   confirm=_("撤稿后作品立即从所有页面、订阅源、搜索和大屏消失，确定撤稿吗？"), style="danger"),
        Transition("reopen", {ItemStatus.RETRACTED}, ItemStatus.DRAFT, _("修改后重新送审"),
                   refusal=_("只有已撤稿的作品可以重新修改。"), style="secondary"),
    ])

    AUDIT_FIELDS = ("org", "kind", "title", "summary", "body", "source", "byline", "status", "publish_at",
                    "correction", "incident")

    class Meta:
        verbose_name = verbose_name_plural = _("科普作品")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "published_at"], name="kepu_item_published"),
            models.Index(fields=["status", "publish_at"], name="kepu_item_scheduled"),
            models.Index(fields=["after_review_due_at"], name="kepu_item_after_review",
                         condition=Q(after_reviewed_at__isnull=True, after_review_due_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def public_q(cls) -> Q:
        """What anyone may read (``for_public``): published, not retracted, not deleted."""
        return Q(deleted_at__isnull=True, status=ItemStatus.PUBLISHED, retracted_at__isnull=True)

    @property
    def is_emergency(self) -> bool:
        return self.incident_id is not None


class ItemVersion(models.Model):
    """One saved state of an item's text (a new one each time it is submitted or edited after review), for the
    visible diff between versions."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="versions", verbose_name=_("作品"))
    number = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=120)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"), max_length=100_000, blank=True)
    note = models.CharField(_("修改说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("保存人"))
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("作品版本")
        ordering = ["item", "-number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="kepu_version_unique")]

    def __str__(self) -> str:
        return f"{self.item} v{self.number}"


class MediaKind(models.TextChoices):
    IMAGE = "image", _("图片")
    VIDEO = "video", _("视频")
    AUDIO = "audio", _("音频")
    FILE = "file", _("附件")


def media_path(instance: ItemMedia, filename: str) -> str:
    return f"kepu/{instance.item_id}/{filename}"


class ItemMedia(models.Model):
    """A file of an item (images of an article or image set, the video or audio) in Django's storage — the local
    disk by default, S3-compatible storage in production."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="media", verbose_name=_("作品"))
    kind = models.CharField(_("类型"), max_length=8, choices=MediaKind.choices, default=MediaKind.IMAGE)
    file = models.FileField(_("文件"), upload_to=media_path, max_length=300)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("作品文件")
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return self.caption or self.file.name


class Adoption(models.Model):
    """中央厨房: an organisation's channel carries another organisation's published item (attributed to it) —
    a province item adopted by a city, county or 科普e站."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="adoptions", verbose_name=_("作品"))
    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="kepu_adoptions",
                            verbose_name=_("采用单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("操作人"))
    adopted_at = models.DateTimeField(_("采用时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = _("作品采用")
        ordering = ["-adopted_at"]
        constraints = [models.UniqueConstraint(fields=["item", "org"], name="kepu_adoption_unique")]

    def __str__(self) -> str:
        return f"{self.org} · {self.item}"


class ItemEventAction(models.TextChoices):
    CREATED = "created", _("创建")
    EDITED = "edited", _("修改")
    SUBMITTED = "submitted", _("提交审核")
    WITHDRAWN = "withdrawn", _("撤回审核")
    ASSIGNED = "assigned", _("分配审核专家")
    SCIENCE_PASSED = "science_passed", _("科学性审核通过")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("编辑审核通过")
    SCHEDULED = "scheduled", _("定时发布")
    PUBLISHED = "published", _("发布")
    FAST_PUBLISHED = "fast_published", _("应急快速发布")
    AFTER_REVIEWED = "after_reviewed", _("事后审核完成")
    ESCALATED = "escalated", _("督办")
    RETRACTED = "retracted", _("撤稿")
    REOPENED = "reopened", _("重新修改")
    ADOPTED = "adopted", _("被采用")


class ItemEvent(WorkflowEvent):
    """The history of an item (who did what when, with the reason of a return or retraction)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events", verbose_name=_("作品"))
    action = models.CharField(_("操作"), max_length=16, choices=ItemEventAction.choices)
    version = models.PositiveIntegerField(_("版本"), default=1)
    comment = models.TextField(_("说明"), blank=True, max_length=4000)

    class Meta:
        verbose_name = verbose_name_plural = _("作品办理记录")
        ordering = ["item", "at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action}"
