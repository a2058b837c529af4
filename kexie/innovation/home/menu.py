"""Where 数字科创 in the main menu leads: an enterprise's own users (who hold no 数字科创 staff scope) go to their
home, everyone else to the needs list. One query per request at most, only for users without staff scope."""

from __future__ import annotations

from typing import Any

from kexie.core.scope import scope_paths


def enterprise_home(user: Any) -> bool:
    cached = getattr(user, "_kexie_enterprise_home", None)
    if cached is None:
        from kexie.innovation.models import Enterprise

        cached = bool(getattr(user, "pk", None)) and scope_paths(user, "innovation.view") == [] and (
            Enterprise.objects.alive().filter(users=user).exists())
        try:
            user._kexie_enterprise_home = cached
        except AttributeError:  # an object that takes no attributes: look up again next time
            pass
    return bool(cached)


def not_enterprise_home(user: Any) -> bool:
    return not enterprise_home(user)
