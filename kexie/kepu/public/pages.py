"""The data of the public pages, built from ``for_public()`` and kept in the server cache under kepu's generation
(``cache``): the home page's sections, an item page (or why it is gone) and the lists by topic and audience."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from kexie.kepu.content.sanitize import clean_html, plain_text
from kexie.kepu.models import Audience, Debunk, Incident, IncidentStatus, Item, ItemMedia, ItemStatus, Topic
from kexie.kepu.public import cache, queries

LATEST = 10
PER_TOPIC = 4
POOL = 200
RELATED = 5
DESCRIPTION_MAX = 120


def link(name: str, *args: Any) -> str:
    """A page another area of 科普 may not have yet (incidents, debunks): "" when it is absent."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def home() -> dict[str, Any]:
    def build() -> dict[str, Any]:
        pool = queries.cards(queries.public_items(), POOL)  # the sections are cut from the newest items
        sections = []
        for topic in Topic.objects.order_by("order", "code"):
            rows = [c for c in pool if topic.code in {code for code, _name in c["topics"]}][:PER_TOPIC]
            if rows:
                sections.append({"code": topic.code, "name": str(topic), "items": rows})
        audiences = [{"code": a.code, "name": str(a)} for a in Audience.objects.order_by("order", "code")]
        incidents = []
        for inc in Incident.objects.for_public().filter(status=IncidentStatus.ACTIVE).order_by("-started_at")[:5]:
            incidents.append({"title": inc.title, "url": link("kepu:incident", inc.pk)})
        debunks = [{"claim": d.claim, "verdict": d.get_verdict_display(), "url": link("kepu:debunk", d.pk)}
                   for d in Debunk.objects.for_public().order_by("-published_at", "-id")[:5]]
        return {"latest": pool[:LATEST], "sections": sections, "audiences": audiences, "incidents": incidents,
                "debunks": debunks, "debunks_url": link("kepu:debunks")}

    return cache.cached("home", build=build)


def _media(item: Item) -> list[dict[str, str]]:
    return [{"kind": m.kind, "url": queries.media_url(m), "caption": m.caption}
            for m in ItemMedia.objects.filter(item=item).order_by("order", "id")]


def _attribution(item: Item) -> dict[str, str]:
    """Who the reader owes the item to: its source, and for a republished copy the original organisation."""
    origin = item.origin if item.origin_id else None
    return {"source": item.source, "source_url": item.source_url,
            "origin_org": origin.org.name if origin is not None else "",
            "origin_url": link("kepu:item", origin.pk) if origin is not None and origin.status == ItemStatus.PUBLISHED
            else ""}


def item(pk: int) -> dict[str, Any] | str:
    """The item page's data; "gone" (retracted or deleted after publication: 410) or "missing" (404)."""

    def build() -> dict[str, Any] | str:
        obj = queries.with_tags(Item.objects.for_public().select_related("origin__org")).filter(pk=pk).first()
        if obj is None:
            was = Item.objects.filter(pk=pk, published_at__isnull=False).values("correction", "title").first()
            return {"gone": True, **was} if was else "missing"
        body = clean_html(obj.body)  # stored sanitised; cleaned again on the way out, nh3 is fast
        text = plain_text(body)
        related = queries.cards(queries.public_items().filter(topics__in=obj.topics.all()).exclude(pk=obj.pk)
                                .distinct(), RELATED) if obj.topics.all() else []
        return {**queries.card(obj), **_attribution(obj), "body": body, "media": _media(obj), "related": related,
                "description": (obj.summary or text)[:DESCRIPTION_MAX], "org_pk": obj.org_id}

    return cache.cached("item", pk, build=build)


def listing(kind: str, code: str) -> dict[str, Any] | None:
    """A topic's or an audience's page data (the newest 200 ids; cards per page), ``None`` for an unknown code."""
    model = Topic if kind == "topic" else Audience

    def build() -> dict[str, Any] | str:
        term = model.objects.filter(code=code).first()
        if term is None:
            return "missing"
        qs = queries.public_items().filter(**{"topics" if kind == "topic" else "audiences": term})
        return {"code": term.code, "name": str(term), "ids": list(qs.values_list("pk", flat=True)[:200])}

    data = cache.cached(kind, code, build=build)
    return None if data == "missing" else data  # type: ignore[return-value]


def cards_for(ids: list[int]) -> list[dict[str, Any]]:
    by_pk = {c["pk"]: c for c in queries.cards(queries.public_items().filter(pk__in=ids), len(ids) or 1)}
    return [by_pk[i] for i in ids if i in by_pk]
