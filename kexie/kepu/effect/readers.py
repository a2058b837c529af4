"""Who read: ``reader_id(request)`` is a keyed BLAKE2b hash (the PII index key, with its own personalisation, so
the value matches nothing else the platform hashes) of the signed-in account or of a random first-party cookie
``kx_r``. Never the address. ``ReaderCookieMiddleware`` sets the cookie on the response of the request that made
one up, so the next page and the reading beacon name the same reader."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from kexie.core.crypto import key_ring

COOKIE = "kx_r"
COOKIE_AGE = 365 * 24 * 3600
_NEW = "_kepu_new_reader"
_PERSON = b"kepu-reader"


def _valid_cookie(value: str) -> bool:
    return 16 <= len(value) <= 64 and value.isascii() and all(c.isalnum() or c in "-_" for c in value)


def hash_reader(value: str) -> str:
    """32 hex characters (ViewEvent.reader, Rating.reader)."""
    key = key_ring().current.index_key
    return hashlib.blake2b(value.encode(), key=key, digest_size=16, person=_PERSON).hexdigest()


def reader_id(request: HttpRequest) -> str:
    """The reader of a request: the account when signed in, else the ``kx_r`` cookie (made up here when absent and
    set on the response by the middleware)."""
    cached = getattr(request, "_kepu_reader", None)
    if cached:
        return str(cached)
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        value = f"u:{user.pk}"
    else:
        cookie = request.COOKIES.get(COOKIE, "")
        if not _valid_cookie(cookie):
            cookie = secrets.token_urlsafe(16)
            setattr(request, _NEW, cookie)
        value = f"c:{cookie}"
    reader = hash_reader(value)
    request._kepu_reader = reader  # type: ignore[attr-defined]
    return reader


def remember_reader(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Set the ``kx_r`` cookie made up by ``reader_id`` during this request (no-op otherwise)."""
    cookie = getattr(request, _NEW, "")
    if cookie and COOKIE not in response.cookies:
        response.set_cookie(COOKIE, cookie, max_age=COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE)
    return response


class ReaderCookieMiddleware:
    """After the view: the cookie ``reader_id`` made up for an anonymous reader."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        if getattr(request, _NEW, "") and isinstance(response, HttpResponseBase):
            remember_reader(request, response)
        return response
