"""What the public pages and feeds read: published, unretracted items (``Item.objects.for_public()``), filtered
by region (an item with no region, or one of the region's own or its ancestors'), audience and topic, as plain
dicts the server cache can keep (the same cards for the home page, lists, search, the personal feed and feeds)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache as django_cache
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse

from kexie.kepu.models import Audience, Item, ItemMedia, MediaKind, Topic
from kexie.orgs.models import Region

REGION_DEPTH = 6  # province → city → county → township → village: never deeper
CARD_FIELDS = ("pk", "kind", "title", "summary", "source", "byline", "published_at", "org_id", "origin_id",
               "incident_id")


def region_chain(code: str) -> list[int] | None:
    """The ids of the region with this GB/T 2260 code and of its ancestors (itself first); ``None`` for an unknown
    code. Kept an hour in the cache: the division list changes by migration."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) > 12:
        return None
    cache_key = f"kepu:region-chain:{code}"
    chain: list[int] | None = django_cache.get(cache_key)
    if chain is None:
        region = Region.objects.select_related("parent__parent__parent__parent").filter(code=code).first()
        chain = []
        node: Region | None = region
        while node is not None and len(chain) < REGION_DEPTH:
            chain.append(node.pk)
            node = node.parent
        django_cache.set(cache_key, chain, 3600)
    return chain or None


def region_q(chain: list[int]) -> Q:
    """Items for a reader of the region whose chain this is: no target region, or one in the chain."""
    through = Item.regions.through
    return (~Q(Exists(through.objects.filter(item=OuterRef("pk"))))
            | Q(Exists(through.objects.filter(item=OuterRef("pk"), region_id__in=chain))))


def public_items() -> QuerySet[Item]:
    return Item.objects.for_public().order_by("-published_at", "-id")


def with_tags(qs: QuerySet[Item]) -> QuerySet[Item]:
    images = ItemMedia.objects.filter(kind=MediaKind.IMAGE).order_by("order", "id")
    return qs.select_related("org").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("order", "code")),
        Prefetch("audiences", queryset=Audience.objects.order_by("order", "code")),
        "regions", Prefetch("media", queryset=images, to_attr="images"))


def media_url(media: ItemMedia) -> str:
    """The address a reader opens an item's file at: the item files view when the site has it, else storage."""
    try:
        return reverse("kepu:media", args=[media.pk])
    except NoReverseMatch:
        try:
            return str(media.file.url)
        except ValueError:  # no file
            return ""


def card(item: Item) -> dict[str, Any]:
    """An item as a list shows it (``with_tags`` loaded its relations)."""
    images = getattr(item, "images", None)
    return {
        "pk": item.pk, "kind": item.kind, "kind_label": item.get_kind_display(), "title": item.title,
        "summary": item.summary, "source": item.source, "byline": item.byline, "published_at": item.published_at,
        "org": item.org.name, "emergency": item.incident_id is not None,
        "topics": [(t.code, str(t)) for t in item.topics.all()],
        "audiences": [(a.code, str(a)) for a in item.audiences.all()],
        "regions": [r.code for r in item.regions.all()],
        "image": media_url(images[0]) if images else "",
    }


def cards(qs: QuerySet[Item], limit: int) -> list[dict[str, Any]]:
    return [card(i) for i in with_tags(qs)[:limit]]


def topics() -> list[Topic]:
    return list(Topic.objects.order_by("order", "code"))


def audiences() -> list[Audience]:
    return list(Audience.objects.order_by("order", "code"))
