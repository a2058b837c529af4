"""Small helpers shared by views."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404
from django.utils.functional import Promise, cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

if TYPE_CHECKING:  # the stubs' Paginator is generic in the row type; Django's is not subscriptable
    _Paginator = Paginator[Any]
else:
    _Paginator = Paginator


def client_ip(request: HttpRequest) -> str | None:
    address = request.META.get("REMOTE_ADDR")
    return None if address is None else str(address)


class CappedPaginator(_Paginator):
    """Counts at most ``cap`` rows (``COUNT(*)`` over a ``LIMIT cap+1`` subquery), so a list page
    over millions of rows costs what its first pages cost; the page says "超过 N 条" past the cap
    and filters narrow the list. Exports are not capped."""

    def __init__(self, *args: Any, cap: int = 10_000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cap = cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # which rows are counted does not matter, only how many
            n = rows.order_by()[: self.cap + 1].count()
        else:
            n = min(len(rows), self.cap + 1)
        self.capped = n > self.cap
        return min(n, self.cap)


def paginate(request: HttpRequest, queryset: QuerySet[Any] | Sequence[Any], per_page: int = 50) -> Page[Any]:
    paginator = CappedPaginator(queryset, per_page, cap=settings.KEXIE_LIST_COUNT_CAP)
    return paginator.get_page(request.GET.get("page"))


def error_messages(exc: Exception) -> list[str]:
    """The user-facing messages of a refusal: every message of a ValidationError (field errors
    flattened), else the exception's text (e.g. PermissionDenied)."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return [m for msgs in exc.message_dict.values() for m in msgs]
        return list(exc.messages)
    return [str(exc)]


def join_messages(messages: list[str]) -> str:
    """Several messages in one line, with the separator of the interface language."""
    return pgettext("message separator", "；").join(str(m) for m in messages)


# Messages Django itself puts in an Http404 (English, naming a model): not shown to people.
_INTERNAL = re.compile(r"^No .+ matches the given query\.$")


def reason_of(exc: BaseException | None) -> str:
    """The reason a refusal gives the person (the PermissionDenied / Http404 / ValidationError message), or ""
    when the exception carries none meant for people (an unmatched address, Django's own English texts)."""
    if exc is None or isinstance(exc, Resolver404):
        return ""
    if isinstance(exc, ValidationError):
        return join_messages(error_messages(exc))
    message = exc.args[0] if exc.args else ""
    if not isinstance(message, str | Promise):
        return ""
    text = str(message)
    return "" if _INTERNAL.match(text) else text


def _default_reason(status: int) -> str:
    return {400: _("请求有误，未做任何更改。"), 403: _("无权执行此操作。"),
            404: _("记录不存在或您无权访问。")}.get(status, _("请求未能完成。"))


def error_page(request: Any, status: int, reason: str = "", template: str | None = None) -> HttpResponse:
    """A refusal in Chinese inside the site layout, with the reason the code gave. An htmx request gets a short
    fragment for its target; the API gets ``{"detail": …}``."""
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return JsonResponse({"detail": reason or _default_reason(status)}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    if request is not None and getattr(request, "htmx", False):
        return HttpResponse(format_html('<p class="msg msg-error" role="alert">{}</p>',
                                        reason or _default_reason(status)), status=status)
    return render(request, template or f"{status}.html", {"reason": reason}, status=status)


def forbidden(exc: PermissionDenied, request: Any = None) -> HttpResponse:
    """403 with the refusal's reason (the layout page when the request is given)."""
    return error_page(request, 403, reason_of(exc) or _("无权执行此操作。"))


def bad_request(request: Any, reason: str) -> HttpResponse:
    """400 with a Chinese reason, in the layout: malformed input that changed nothing."""
    return error_page(request, 400, reason)


MAX_ID = 2**63 - 1  # the largest value of a bigint column (primary and foreign keys)


def to_id(value: Any) -> int | None:
    """A record id from a query or form value: a positive whole number a bigint column can hold; anything else
    (text, NUL characters, signs, more digits than a key has) is None, so that a look-up finds nothing."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
