"""Shared pieces of the write path: permission checks that re-read inside the transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kexie.core.scope import user_can


def require(user: Any, action: str, path: str) -> None:
    """Raise PermissionDenied unless ``user`` may ``action`` on the organisation at ``path``."""
    if not user_can(user, action, path):
        raise PermissionDenied(_("您无权在该组织范围内执行此操作。"))
