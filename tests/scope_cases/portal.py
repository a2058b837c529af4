"""The public portal: its public pages hold no organisation's private records (tests/test_portal.py: only published
articles, only consenting experts); 新闻公告's staff pages are scoped by the publishing organisation. The city-B
article is a draft, so its public page answers 404 for everyone, its owner included."""

from __future__ import annotations

TABLE = {
    "portal:home": ("public", None),
    "portal:news": ("public", None),  # published articles only: test_portal
    "portal:news-detail": ("detail", "portal_article"),  # a city-B draft: 404 for everyone
    "portal:experts": ("public", None),  # consenting profiles only: test_portal
    "public-expert-list": ("public", None),  # /api/v1/public/experts/: consenting profiles only, masked
    "portal:articles": ("list", None),
    "portal:article-create": ("list", None),  # the publisher must be in the caller's change scope
    "portal:article": ("detail", "portal_article"),
    "portal:article-edit": ("change", "portal_article"),
    "portal:article-act": ("change", "portal_article"),
}


def records(province):
    from kexie.portal.models import Article

    b = province["city_b"]
    article = Article.objects.create(org=b, org_path=b.path, kind="notice", title="B市科协内部草稿通知",
                                     body="草稿正文")
    return {"portal_article": article}


# A draft has no public page, even for its owner (their page is the staff page portal:article).
OWN_PAGES = {"portal:news-detail": (404, "")}
