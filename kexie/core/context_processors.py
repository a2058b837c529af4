"""``main_menu`` in every template: the main-menu links the signed-in user may use (decision 0021)."""

from __future__ import annotations

from typing import Any

from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string

from kexie.core.registry import menu_for


def _links(request: Any) -> list[dict[str, Any]]:
    links = []
    for entry in menu_for(getattr(request, "user", None)):
        badge = import_string(entry.badge)(request) if entry.badge else None
        links.append({"label": entry.label, "url_name": entry.url_name, "id": entry.element_id, "badge": badge})
    return links


def main_menu(request: Any) -> dict[str, Any]:
    """Worked out only when a page renders the menu (the 500 page and API answers do not)."""
    return {"main_menu": SimpleLazyObject(lambda: _links(request))}
