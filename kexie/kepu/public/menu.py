"""Who sees 科普 (the personal feed) in the main menu: signed-in individuals without 科普 staff scope (staff reach
科普 through their own entries)."""

from __future__ import annotations

from typing import Any

from kexie.core.scope import scope_paths


def reader(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and scope_paths(user, "kepu.view") == []
