"""科普信息员 in the main menu: registered officers (not staff who see 数字科普) go to their own page; everyone else
finds 成为科普信息员 on their 我的科普 page."""

from __future__ import annotations

from typing import Any

from kexie.core.scope import scope_paths


def individual(user: Any) -> bool:
    from kexie.kepu.models import InfoOfficer

    if not getattr(user, "is_authenticated", False) or scope_paths(user, "kepu.view") != []:
        return False
    return InfoOfficer.objects.filter(user=user, active=True).exists()
