"""新闻公告 of the public portal: articles an association publishes (news and notices), drafted and withdrawn by
its staff, read by anyone (``for_public()``: published, not deleted)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.models import SoftDeleteModel, SoftDeleteQuerySet
from kexie.core.workflow import Transition, Workflow


class ArticleKind(models.TextChoices):
    NEWS = "news", _("新闻")
    NOTICE = "notice", _("通知公告")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Article(SoftDeleteModel):
    """新闻 or 通知公告 of an association (``org``). The body is plain text: paragraphs separated by blank lines,
    shown escaped (decision 0032)."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="articles",
                            verbose_name=_("发布单位"))
    org_path = PathField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("类别"), max_length=10, choices=ArticleKind.choices, default=ArticleKind.NEWS)
    title = models.CharField(_("标题"), max_length=120)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"), max_length=20000)
    status = models.CharField(_("状态"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("撰稿人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()
    scope_path_field = "org_path"

    # 草稿 → 已发布 → 已撤回 (and published again).
    WORKFLOW = Workflow("status", ArticleStatus, [
        Transition("publish", {ArticleStatus.DRAFT, ArticleStatus.WITHDRAWN}, ArticleStatus.PUBLISHED,
                   _("发布"), refusal=_("该文章已发布。")),
        Transition("withdraw", {ArticleStatus.PUBLISHED}, ArticleStatus.WITHDRAWN, _("撤回"),
                   refusal=_("只有已发布的文章可以撤回。"),
                   confirm=_("撤回后门户不再展示这篇文章，确定撤回吗？"), style="secondary"),
    ])

    AUDIT_FIELDS = ("org", "kind", "title", "summary", "body", "status")

    class Meta:
        verbose_name = verbose_name_plural = _("新闻公告")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"], name="portal_article_published")]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def public_q(cls) -> Q:
        """On the portal (``for_public``): published and not deleted (never drafts or withdrawn articles)."""
        return Q(deleted_at__isnull=True, status=ArticleStatus.PUBLISHED)

    @property
    def paragraphs(self) -> list[str]:
        """The body's paragraphs (blank lines separate them), for the page to show escaped."""
        parts = [p.strip() for p in self.body.replace("\r\n", "\n").split("\n\n")]
        return [p for p in parts if p]
