"""应急科普: incidents' staff pages are scoped by the responding organisation (a city-B incident), the fast track by
the item's (a city-B emergency draft). The public incident page needs a published item: the city-B incident has
none, so its public page answers 404 for everyone, its owner included (their page is kepu:incident-manage)."""

from __future__ import annotations

TABLE = {
    "kepu:incidents-public": ("public", None),  # incidents with published items only: test_kepu_emergency
    "kepu:incident": ("detail", "kepu_incident"),
    "kepu:incidents": ("list", None),
    "kepu:incident-create": ("list", None),  # the organisation must be in the caller's kepu.emergency scope
    "kepu:incident-manage": ("detail", "kepu_incident"),
    "kepu:incident-edit": ("change", "kepu_incident"),
    "kepu:incident-close": ("change", "kepu_incident"),
    "kepu:item-fast-publish": ("change", "kepu_emergency_item"),
}


def records(province):
    from kexie.kepu.models import Incident, Item

    b = province["city_b"]
    incident = Incident.objects.create(org=b, org_path=b.path, kind="public_health", title="B市传染病应急科普",
                                       approver=province["users"]["demo-city-b"], started_at="2026-03-01T08:00:00+08:00")
    item = Item.objects.create(org=b, org_path=b.path, title="B市应急科普草稿", body="<p>草稿</p>", incident=incident)
    return {"kepu_incident": incident, "kepu_emergency_item": item}


OWN_PAGES = {"kepu:incident": (404, "")}
