"""科学辟谣: staff pages are scoped by the publishing organisation (a city-B draft is out of city A's reach); the
public pages show published debunks only, so the city-B draft's public page answers 404 for everyone."""

from __future__ import annotations

TABLE = {
    "kepu:debunks-manage": ("list", None),
    "kepu:debunks-export": ("export", None),
    "kepu:debunk-create": ("list", None),  # the publisher must be in the caller's kepu.change scope
    "kepu:debunk-similar": ("list", None),  # published debunks and the caller's scope only
    "kepu:debunk-manage": ("detail", "kepu_debunk"),
    "kepu:debunk-edit": ("change", "kepu_debunk"),
    "kepu:debunk-act": ("change", "kepu_debunk"),
    "kepu:debunks": ("public", None),  # published debunks only: tests/test_kepu_debunks.py
    "kepu:rumours": ("public", None),
    "kepu:debunk": ("detail", "kepu_debunk"),  # a city-B draft: 404 for everyone
}


def records(province):
    from kexie.core.services import SYSTEM
    from kexie.kepu.debunks import services

    b = province["city_b"]
    debunk = services.create_debunk(SYSTEM, org=b, claim="B市内部辟谣草稿：喝某某牌饮料会致癌", verdict="rumour",
                                    explanation="草稿解读")
    return {"kepu_debunk": debunk}


# A draft has no public page, even for its owner (their page is the staff page kepu:debunk-manage).
OWN_PAGES = {"kepu:debunk": (404, "")}
