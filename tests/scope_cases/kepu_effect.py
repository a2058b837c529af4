"""数字科普 effect and hot topics: the effect pages and their export are scoped by the items' organisations
(kepu.view / kepu.export); one item's effect page is a detail page of the item; the beacon and ratings are public
posts about published items only (a city-B draft: 404 for everyone); hot topics hold search terms, no
organisation's records. The city-B item has reads this month, so a leak would show its title."""

from __future__ import annotations

TABLE = {
    "kepu:beacon": ("public", None),  # POST only, an empty 204/400: holds nothing
    "kepu:rate": ("change", "kepu_effect_item"),  # a draft cannot be rated: 404 for everyone
    "kepu:effect": ("list", None),
    "kepu:effect-export": ("export", None),
    "kepu:item-effect": ("detail", "kepu_effect_item"),
    "kepu:hot": ("list", None),
}


def records(province):
    from django.utils import timezone

    from kexie.kepu.models import Item, ItemDay, Rating

    b = province["city_b"]
    item = Item.objects.create(org=b, org_path=b.path, title="B市科协传播效果草稿戊己", kind="article")
    ItemDay.objects.create(item=item, org_path=b.path, day=timezone.localdate(), channel="web", views=17,
                           readers=9)
    Rating.objects.create(item=item, reader="b-reader", stars=2, helped=False)
    return {"kepu_effect_item": item}
