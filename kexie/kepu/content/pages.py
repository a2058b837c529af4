"""What the content pages read besides the models: whether the user may edit an item now (and why not), and the
body as shown (sanitised again at display, so a row written around the services cannot inject markup)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.safestring import SafeString, mark_safe

from kexie.core.http import error_messages, join_messages
from kexie.kepu.content import services
from kexie.kepu.content.sanitize import clean_html
from kexie.kepu.models import Item


def editable(user: Any, item: Item) -> tuple[bool, str]:
    """(may edit now, the Chinese reason when not) — the check the services make, without writing."""
    try:
        services.check_editable(user, item)
    except (ValidationError, PermissionDenied) as exc:
        return False, join_messages(error_messages(exc))
    return True, ""


def preview(html: str) -> SafeString:
    return mark_safe(clean_html(html))  # noqa: S308 - nh3 safelist output (content/sanitize.py)
