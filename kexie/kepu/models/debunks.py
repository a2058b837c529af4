"""科学辟谣: a claim (the rumour as people repeat it) with a verdict, the explanation, its sources and the
reviewing expert; published on the portal with schema.org ``ClaimReview``. ``Synonym`` maps the words people use
to the ones debunks use, so the same rumour in other words is found (and not debunked twice)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel, SoftDeleteQuerySet


class Verdict(models.TextChoices):
    RUMOUR = "rumour", _("谣言")
    MYTH = "myth", _("误区")
    INACCURATE = "inaccurate", _("不准确")
    TRUE = "true", _("属实")


class DebunkStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETRACTED = "retracted", _("已撤回")


class Debunk(SoftDeleteModel):
    org = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="kepu_debunks",
                            verbose_name=_("发布单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    claim = models.CharField(_("流言"), max_length=200)
    verdict = models.CharField(_("结论"), max_length=12, choices=Verdict.choices)
    explanation = models.TextField(_("解读"), max_length=20_000)
    sources = models.TextField(_("依据来源"), blank=True, max_length=4000, help_text=_("每行一条：名称或链接。"))
    expert = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("审核专家"))
    expert_name = models.CharField(_("审核专家署名"), max_length=120, blank=True)
    topics = models.ManyToManyField("kepu.Topic", blank=True, related_name="debunks", verbose_name=_("专题"))
    item = models.ForeignKey("kepu.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="debunks",
                             verbose_name=_("相关科普作品"))
    first_seen = models.DateField(_("流传时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=DebunkStatus.choices, default=DebunkStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    views = models.PositiveBigIntegerField(_("阅读量"), default=0)
    search_text = models.TextField(editable=False, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("撰稿人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    AUDIT_FIELDS = ("claim", "verdict", "explanation", "sources", "expert", "status")

    class Meta:
        verbose_name = verbose_name_plural = _("科学辟谣")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.claim

    @classmethod
    def public_q(cls) -> Q:
        return Q(deleted_at__isnull=True, status=DebunkStatus.PUBLISHED)

    @property
    def source_lines(self) -> list[str]:
        return [line.strip() for line in self.sources.splitlines() if line.strip()]


class Synonym(models.Model):
    """A word and the word debunks use for it (新冠 → 新型冠状病毒, 打疫苗 → 接种疫苗)."""

    term = models.CharField(_("词语"), max_length=40, unique=True)
    canonical = models.CharField(_("规范词"), max_length=40)

    class Meta:
        verbose_name = verbose_name_plural = _("同义词")
        ordering = ["canonical", "term"]

    def __str__(self) -> str:
        return f"{self.term} → {self.canonical}"
