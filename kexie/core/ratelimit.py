"""Per-address limits for forms anyone may post (the marketplace enquiry form, password reset): at most N posts
per period from one address, counted in Django's cache (``KEXIE_ANON_FORM_RATE``, e.g. ``"20/10m"``).
A fixed window per address: one ``add`` and one ``incr`` per post (decision 0017)."""

from __future__ import annotations

import re
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\w*\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"20/10m"`` → (20, 600); ``"5/h"`` → (5, 3600)."""
    match = _RATE.match(rate or "")
    if match is None:
        raise ValueError(f"bad rate {rate!r}")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNITS[unit]


def client_address(request: Any) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def hit(request: Any, group: str, rate: str | None = None) -> bool:
    """Count one post by the request's address in ``group``; ``False`` once the limit is exceeded."""
    limit, period = parse_rate(str(rate or getattr(settings, "KEXIE_ANON_FORM_RATE", "20/10m")))
    window = int(time.time() // period)
    key = f"kexie-rl:{group}:{client_address(request)}:{window}"
    cache.add(key, 0, period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, period + 5)
        count = 1
    return count <= limit
