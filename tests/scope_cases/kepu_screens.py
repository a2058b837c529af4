"""科普大屏: staff pages scoped by the managing organisation (a city-B screen); the play page and the heartbeat
answer only to a screen's key (a wrong or missing key: 403), so they hold no organisation's records by address."""

from __future__ import annotations

TABLE = {
    "kepu:screens": ("list", None),
    "kepu:screen-create": ("list", None),  # the managing organisation must be in the caller's kepu.screens scope
    "kepu:screen-edit": ("change", "kepu_screen"),
    "kepu:screen-key": ("change", "kepu_screen"),
    "kepu:screen-play": ("public", None),  # by key only: test_kepu_screens
    "kepu:screen-heartbeat": ("public", None),  # by key only, 403 JSON otherwise: test_kepu_screens
}


def records(province):
    from kexie.kepu.models import Screen

    b = province["city_b"]
    screen = Screen.objects.create(org=b, org_path=b.path, name="B市人民广场科普大屏", location="B市人民广场东侧",
                                   key_digest="b" * 64)
    return {"kepu_screen": screen}
