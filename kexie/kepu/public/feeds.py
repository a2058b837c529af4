"""The public feeds screens and partner sites poll: RSS 2.0 (feedgen) and JSON Feed 1.1 with a ``_kepu``
extension. Filters ``region`` (GB/T 2260 code: items with no region or the region's own or an ancestor's),
``audience`` and ``topic`` (codes) and ``limit`` (1–100); an unknown value is refused with a Chinese message
(``FilterError``), never a 500. The item rows of a filter set are kept in the server cache under kepu's
generation (``cache``), so a retraction leaves the feeds at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from kexie.kepu.content.sanitize import plain_text
from kexie.kepu.models import Audience, Topic
from kexie.kepu.public import cache, queries

DEFAULT_LIMIT = 30
MAX_LIMIT = 100
CONTENT_MAX = 10_000  # characters of a feed item's text


class FilterError(ValueError):
    """A filter value the feed does not know (the message is the Chinese reason)."""


@dataclass(frozen=True)
class Filters:
    region: str = ""
    audience: str = ""
    topic: str = ""
    limit: int = DEFAULT_LIMIT

    def cache_parts(self) -> tuple[str, str, str, int]:
        return (self.region, self.audience, self.topic, self.limit)


def _code(value: str) -> str:
    value = (value or "").strip()
    return value if len(value) <= 40 else "\x01"  # longer than any code: unknown


def codes(model: type[Audience] | type[Topic]) -> frozenset[str]:
    """The codes of the vocabulary (cached with the pages: a new topic is known within ``SERVER_TIMEOUT``)."""
    return cache.cached(f"codes-{model._meta.model_name}",
                        build=lambda: frozenset(model.objects.values_list("code", flat=True)))


def parse(params: QueryDict) -> Filters:
    """The feed's filters from the query string; ``FilterError`` for a value that matches nothing."""
    region, audience, topic = (_code(params.get(k, "")) for k in ("region", "audience", "topic"))
    raw_limit = (params.get("limit") or "").strip()
    limit = DEFAULT_LIMIT
    if raw_limit:
        if not raw_limit.isdigit() or not 1 <= int(raw_limit[:4]) <= MAX_LIMIT or len(raw_limit) > 3:
            raise FilterError(_("limit 须为 1 到 100 之间的整数。"))
        limit = int(raw_limit)
    if region and queries.region_chain(region) is None:
        raise FilterError(_("未知的地区代码：%(code)s。") % {"code": region[:12]})
    if audience and audience not in codes(Audience):
        raise FilterError(_("未知的重点人群代码：%(code)s。") % {"code": audience[:40]})
    if topic and topic not in codes(Topic):
        raise FilterError(_("未知的专题代码：%(code)s。") % {"code": topic[:40]})
    return Filters(region=region, audience=audience, topic=topic, limit=limit)


def rows(filters: Filters) -> list[dict[str, Any]]:
    """The newest published items matching ``filters``, with their tags and text (cached per filter set)."""

    def build() -> list[dict[str, Any]]:
        qs = queries.public_items()
        if filters.region:
            qs = qs.filter(queries.region_q(queries.region_chain(filters.region) or []))
        if filters.audience:
            qs = qs.filter(audiences__code=filters.audience)
        if filters.topic:
            qs = qs.filter(topics__code=filters.topic)
        out = []
        for item in queries.with_tags(qs)[:filters.limit]:
            row = queries.card(item)
            row["text"] = plain_text(item.body)[:CONTENT_MAX]
            out.append(row)
        return out

    return cache.cached("feed", *filters.cache_parts(), build=build)


def json_feed(request: Any, filters: Filters, items: list[dict[str, Any]]) -> dict[str, Any]:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/); ``_kepu`` carries the tags screens filter by."""
    absolute = request.build_absolute_uri
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _("数字科普"),
        "home_page_url": absolute(reverse("kepu:home")),
        "feed_url": absolute(request.get_full_path()),
        "language": "zh-CN",
        "items": [{
            "id": absolute(reverse("kepu:item", args=[row["pk"]])),
            "url": absolute(reverse("kepu:item", args=[row["pk"]])),
            "title": row["title"],
            "summary": row["summary"],
            "content_text": row["text"],
            "date_published": row["published_at"].isoformat() if row["published_at"] else None,
            "tags": [name for _code, name in row["topics"] + row["audiences"]],
            "_kepu": {
                "topics": [c for c, _name in row["topics"]],
                "audiences": [c for c, _name in row["audiences"]],
                "regions": row["regions"],
                "org": row["org"],
                "kind": row["kind"],
                "image": absolute(row["image"]) if row["image"] else None,
            },
        } for row in items],
    }


def rss(request: Any, items: list[dict[str, Any]]) -> bytes:
    """RSS 2.0 of the same rows (feedgen), newest first."""
    from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

    absolute = request.build_absolute_uri
    fg = FeedGenerator()
    fg.title(_("数字科普"))
    fg.link(href=absolute(reverse("kepu:home")), rel="alternate")
    fg.description(_("科协数字科普：经科学性审核发布的科普作品。"))
    fg.language("zh-CN")
    for row in reversed(items):  # feedgen prepends each entry: add oldest first to keep newest first
        entry = fg.add_entry()
        url = absolute(reverse("kepu:item", args=[row["pk"]]))
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(row["title"])
        entry.link(href=url)
        entry.description(row["summary"] or row["text"][:300] or row["title"])
        if row["published_at"]:
            entry.pubDate(row["published_at"])
        for _code, name in row["topics"] + row["audiences"]:
            entry.category(term=name)
    data: bytes = fg.rss_str(pretty=False)
    return data
