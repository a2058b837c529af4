"""Shared pieces of the write path: the one permission check of every service, and the system actor.

Every service checks its actor with ``require(actor, action, path)`` on the freshly re-read row. There is no "no
actor" path: a write made without a person (a daily task, the demo seed, a console command without ``--user``,
installing a preset) passes ``SYSTEM``, which ``require`` accepts everywhere and the audit log records as 系统
(``AuditEntry.actor`` stays empty, as for a deleted user's rows, and history pages show 系统). ``require(None, …)``
refuses, so a forgotten actor fails loudly instead of skipping the check (decision 0023).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kexie.core.scope import user_can


class SystemActor:
    """The platform acting by itself: tasks, the seed, console commands. Unrestricted scope (it answers like a
    superuser to ``scope_paths``), no database row (``pk`` None: audit and history rows record no user)."""

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = False
    scope_cache: dict[str, list[str]] = {}
    username = "system"

    def __str__(self) -> str:
        return _("系统")

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def is_system(actor: Any) -> bool:
    return actor is SYSTEM


def require(user: Any, action: str, path: str) -> None:
    """Raise PermissionDenied unless ``user`` may ``action`` on the organisation at ``path``. ``SYSTEM`` may do
    anything; ``None`` (no actor given) may do nothing."""
    if user is SYSTEM:
        return
    if user is None or not user_can(user, action, path):
        raise PermissionDenied(_("您无权在该组织范围内执行此操作。"))
