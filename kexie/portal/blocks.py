"""The portal's own home-page block (``PortalBlock`` "news"): the latest published news and notices, kept in the
server cache under the portal's generation (``cache``)."""

from __future__ import annotations

from typing import Any

from kexie.portal import cache
from kexie.portal.models import Article, ArticleKind

LATEST = 6


def latest(kind: str, n: int = LATEST) -> list[dict[str, Any]]:
    return cache.cached("latest", kind, n, build=lambda: [
        {"pk": a["pk"], "title": a["title"], "published_at": a["published_at"], "org": a["org__name"]}
        for a in Article.objects.for_public().filter(kind=kind).order_by("-published_at", "-id")
        .values("pk", "title", "published_at", "org__name")[:n]])


def news(request: Any) -> dict[str, Any]:
    return {"news": latest(ArticleKind.NEWS), "notices": latest(ArticleKind.NOTICE)}
