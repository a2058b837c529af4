"""Request and response rules that hold for every page.

``RejectNulMiddleware``: a NUL character (``\\x00``) is never part of a name, a code or a text on this platform,
and PostgreSQL refuses it in text columns; a request carrying one in its path, query string or form fields gets
the 400 page with a Chinese message before any view runs.

``NoStoreMiddleware``: responses with personal data are not kept by browsers or proxies.

Every response to a signed-in user, every download (a ``Content-Disposition`` header: exports, error files,
letters, templates) and every server error gets ``Cache-Control: max-age=0, no-cache, no-store,
must-revalidate, private`` — unless the view chose its own ``Cache-Control``. Public pages for anonymous
visitors (the marketplace, the login page) stay cacheable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponseBase
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from kexie.core.http import bad_request


def _signed_in(request: Any) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[Any], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> HttpResponseBase:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        # A server error is marked without looking up the user: the database may be what failed.
        if response.status_code >= 500 or response.has_header("Content-Disposition") or _signed_in(request):
            add_never_cache_headers(response)
        return response


def _has_nul(request: Any) -> bool:
    if "\x00" in request.path:
        return True
    data = [request.GET]
    if request.method == "POST" and request.content_type in ("multipart/form-data",
                                                              "application/x-www-form-urlencoded"):
        data.append(request.POST)
    return any("\x00" in key or any("\x00" in v for v in values)
               for qd in data for key, values in qd.lists())


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[Any], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> HttpResponseBase:
        if _has_nul(request):
            return bad_request(request, _("提交的内容或网址中含有空字符（NUL），已拒绝，未做任何更改。"))
        return self.get_response(request)
