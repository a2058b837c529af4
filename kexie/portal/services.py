"""Writes of the portal: articles (新闻公告) drafted, edited, published, withdrawn, deleted and restored by the
staff of the publishing organisation (``portal.change`` on its current place). Every change that can alter what
anonymous visitors see invalidates the cached portal pages (``cache.bump()``, after commit)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.services import require
from kexie.orgs.models import Organisation
from kexie.portal import cache
from kexie.portal.models import Article, ArticleKind

ARTICLE_FIELDS = ("kind", "title", "summary", "body")


def _lock(article: Article | int) -> Article:
    pk = article if isinstance(article, int) else article.pk
    return Article.objects.select_for_update().get(pk=pk)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = {
        "kind": str(data.get("kind") or ArticleKind.NEWS),
        "title": str(data.get("title") or "").strip(),
        "summary": str(data.get("summary") or "").strip(),
        "body": str(data.get("body") or "").strip(),
    }
    errors: dict[str, str] = {}
    if out["kind"] not in ArticleKind.values:
        errors["kind"] = _("请选择新闻或通知公告。")
    if not out["title"]:
        errors["title"] = _("请填写标题。")
    elif len(out["title"]) > 120:
        errors["title"] = _("标题不能超过 120 个字。")
    if len(out["summary"]) > 300:
        errors["summary"] = _("摘要不能超过 300 个字。")
    if not out["body"]:
        errors["body"] = _("请填写正文。")
    elif len(out["body"]) > 20000:
        errors["body"] = _("正文不能超过 20000 个字。")
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def create_article(actor: Any, org: Organisation, **data: Any) -> Article:
    """A draft article of ``org`` (the actor must hold ``portal.change`` there)."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    require(actor, "portal.change", org.path)
    clean = _clean(data)
    article = Article.objects.create(org=org, org_path=org.path, author=actor if getattr(actor, "pk", None) else None,
                                     **clean)
    log_action(actor, "portal.article.created", article, scope_path=article.org_path,
               after=snapshot(article, ("org", *ARTICLE_FIELDS)))
    return article


@transaction.atomic
def edit_article(actor: Any, article: Article | int, **data: Any) -> Article:
    article = _lock(article)
    require(actor, "portal.change", article.org_path)
    if article.deleted_at is not None:
        raise ValidationError(_("这篇文章已删除，请先恢复。"))
    clean = _clean(data)
    before = snapshot(article, ARTICLE_FIELDS)
    for field, value in clean.items():
        setattr(article, field, value)
    article.save(update_fields=[*ARTICLE_FIELDS, "updated_at"])
    log_action(actor, "portal.article.edited", article, scope_path=article.org_path, before=before,
               after=snapshot(article, ARTICLE_FIELDS))
    cache.bump()
    return article


@transaction.atomic
def publish(actor: Any, article: Article | int) -> Article:
    """发布: the article appears on the portal (news list, home page) at once."""
    article = _lock(article)
    require(actor, "portal.change", article.org_path)
    if article.deleted_at is not None:
        raise ValidationError(_("这篇文章已删除，请先恢复。"))
    before, _after = Article.WORKFLOW.apply(article, "publish")
    article.published_at = timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    log_action(actor, "portal.article.published", article, scope_path=article.org_path,
               extra={"from": before, "to": article.status})
    cache.bump()
    return article


@transaction.atomic
def withdraw(actor: Any, article: Article | int) -> Article:
    """撤回: off the portal at once (its page answers 410); it can be published again."""
    article = _lock(article)
    require(actor, "portal.change", article.org_path)
    before, _after = Article.WORKFLOW.apply(article, "withdraw")
    article.save(update_fields=["status", "updated_at"])
    log_action(actor, "portal.article.withdrawn", article, scope_path=article.org_path,
               extra={"from": before, "to": article.status})
    cache.bump()
    return article


@transaction.atomic
def delete_article(actor: Any, article: Article | int) -> Article:
    article = _lock(article)
    require(actor, "portal.change", article.org_path)
    if article.deleted_at is None:
        article.deleted_at = timezone.now()
        article.save(update_fields=["deleted_at", "updated_at"])
        log_action(actor, "portal.article.deleted", article, scope_path=article.org_path)
        cache.bump()
    return article


@transaction.atomic
def restore_article(actor: Any, article: Article | int) -> Article:
    article = _lock(article)
    require(actor, "portal.change", article.org_path)
    if article.deleted_at is not None:
        article.deleted_at = None
        article.save(update_fields=["deleted_at", "updated_at"])
        log_action(actor, "portal.article.restored", article, scope_path=article.org_path)
        cache.bump()
    return article
