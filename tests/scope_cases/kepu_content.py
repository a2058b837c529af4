"""科普作品 authoring and 中央厨房: staff pages scoped by the item's organisation (kepu.view / kepu.change), the files
of an item served to anyone only once the item is public (a city-B draft's file: 404 for city A), and a city-B
adoption that only city B may cancel."""

from __future__ import annotations

TABLE = {
    "kepu:manage": ("list", None),
    "kepu:manage-export": ("export", None),
    "kepu:item-create": ("list", None),  # the organisation must be in the caller's kepu.change scope
    "kepu:item-manage": ("detail", "kepu_content_item"),
    "kepu:item-edit": ("change", "kepu_content_item"),
    "kepu:item-unlock": ("change", "kepu_content_item"),
    "kepu:item-versions": ("detail", "kepu_content_item"),
    "kepu:item-media": ("change", "kepu_content_item"),
    "kepu:media-remove": ("change", "kepu_content_media"),
    "kepu:media": ("detail", "kepu_content_media"),  # a draft's file: its organisation only
    "kepu:library": ("list", None),  # published items above the caller's organisations and of the province
    "kepu:library-act": ("change", "kepu_content_item"),  # a city-B draft is in nobody's library
    "kepu:adoption-remove": ("change", "kepu_content_adoption"),
}


def records(province):
    from django.core.files.base import ContentFile

    from kexie.core.services import SYSTEM
    from kexie.kepu.content import services
    from kexie.kepu.models import Adoption, Item, ItemMedia, ItemStatus

    b, root = province["city_b"], province["root"]
    item = services.create_item(SYSTEM, org=b, kind="article", title="B市科协内部科普草稿甲乙",
                                body="<p>B市草稿正文</p>")
    media = ItemMedia(item=item, kind="image", caption="B市草稿配图丙丁", size=16)
    media.file.save("b.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8), save=True)
    shared = services.create_item(SYSTEM, org=root, kind="article", title="省科协科普作品供采用", body="<p>正文</p>")
    Item.objects.filter(pk=shared.pk).update(status=ItemStatus.PUBLISHED, published_at="2026-01-01T08:00:00+08:00")
    adoption = Adoption.objects.create(item=shared, org=b, org_path=b.path)
    return {"kepu_content_item": item, "kepu_content_media": media, "kepu_content_adoption": adoption}
