"""Caching of the public 科普 pages and feeds (decision 0052), the portal's two layers (kexie.portal.cache) with
kepu's own generation and a short browser lifetime.

- **Browsers and proxies**: an anonymous GET answers ``Cache-Control: public, max-age=60`` (``MAX_AGE``), so a
  retracted item is gone from every shared cache within a minute. Signed-in pages are left to
  ``NoStoreMiddleware`` (``no-store``).
- **The server**: what the pages and feeds read is kept under a key holding kepu's *generation*; publishing and
  retracting bump it (``receivers``: ``item_published`` / ``item_retracted``, sent after commit), so every entry
  is left behind at once and the next request reads the database.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.cache import cache
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language

MAX_AGE = 60
SERVER_TIMEOUT = 300
GENERATION_KEY = "kepu:generation"

_T = TypeVar("_T")


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def bump() -> None:
    """Leave every cached public 科普 entry behind (called after the publishing transaction committed)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (a fresh cache): nothing was cached under a generation
        cache.set(GENERATION_KEY, 2, timeout=None)


def key(name: str, *parts: Any) -> str:
    return ":".join(["kepu", str(generation()), get_language() or "", name, *(str(p) for p in parts)])


def cached(name: str, *parts: Any, build: Callable[[], _T]) -> _T:
    """``build()``'s value, kept under kepu's current generation and the interface language."""
    k = key(name, *parts)
    value = cache.get(k)
    if value is None:
        value = build()
        cache.set(k, value, SERVER_TIMEOUT)
    return value  # type: ignore[no-any-return]


def anonymous(request: Any) -> bool:
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def public_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an anonymous GET's answer (the page, or the 410 of a retracted item) cacheable by browsers and proxies for ``MAX_AGE`` seconds."""

    @wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        private = "private" in response.get("Cache-Control", "")  # an answer that sets the reader cookie
        if (request.method in ("GET", "HEAD") and response.status_code in (200, 410) and anonymous(request)
                and not private):
            patch_cache_control(response, public=True, max_age=MAX_AGE)
        return response

    return wrapped
