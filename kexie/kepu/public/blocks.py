"""The public portal's 科普 block (``PortalBlock`` "kepu"): the latest published items, from kepu's server cache."""

from __future__ import annotations

from typing import Any

from kexie.kepu.public import cache, queries

LATEST = 6


def latest(request: Any) -> dict[str, Any]:
    return {"items": cache.cached("portal-block", LATEST, build=lambda: queries.cards(queries.public_items(), LATEST))}
