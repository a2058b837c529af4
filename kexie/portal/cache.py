"""Caching of the anonymous portal pages (decision 0032).

Two layers:

- **Browsers and proxies**: an anonymous GET of a portal page answers ``Cache-Control: public, max-age=…``
  (``PUBLIC_MAX_AGE``; the expert finder, whose rows change when a person withdraws consent, a shorter
  ``EXPERTS_MAX_AGE``). Signed-in users' pages are not marked here, so ``NoStoreMiddleware`` makes them
  ``no-store``. Django's CSRF middleware adds ``Vary: Cookie`` (the layout holds a token), so a shared cache
  keeps one copy per cookie.
- **The server**: what the pages read from the database (the news block, the article list and pages) is kept in
  Django's cache framework under a key with the interface language and the *generation* of the portal
  (``generation()``). Publishing, withdrawing, editing, deleting or restoring an article bumps the generation
  in the transaction and again after it commits (``bump()``), so every cached entry is left behind at once and expires on its
  own. The expert finder is not kept on the server: a person who withdraws consent disappears from its next
  answer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language

PUBLIC_MAX_AGE = 300
EXPERTS_MAX_AGE = 60
SERVER_TIMEOUT = 600
GENERATION_KEY = "portal:generation"

_T = TypeVar("_T")


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def _bump_now() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (a fresh cache): anything cached before it had no generation
        cache.set(GENERATION_KEY, 2, timeout=None)


def bump() -> None:
    """Invalidate every cached portal entry now and again once the current transaction commits: a page read
    between the two (still seeing the old rows) is cached under a generation the commit leaves behind."""
    _bump_now()
    transaction.on_commit(_bump_now)


def key(name: str, *parts: Any) -> str:
    return ":".join(["portal", str(generation()), get_language() or "", name, *(str(p) for p in parts)])


def cached(name: str, *parts: Any, build: Callable[[], _T]) -> _T:
    """``build()``'s value, kept under the portal's current generation and language."""
    k = key(name, *parts)
    value = cache.get(k)
    if value is None:
        value = build()
        cache.set(k, value, SERVER_TIMEOUT)
    return value  # type: ignore[no-any-return]


def anonymous(request: Any) -> bool:
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def public_page(max_age: int = PUBLIC_MAX_AGE) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark an anonymous GET's successful answer cacheable by browsers and proxies."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            response = view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD") and response.status_code == 200 and anonymous(request):
                patch_cache_control(response, public=True, max_age=max_age)
            return response

        return wrapped

    return decorate
