"""Small helpers shared by views."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows (``COUNT(*)`` over a ``LIMIT cap+1`` subquery), so a list page
    over millions of rows costs what its first pages cost; the page says "超过 N 条" past the cap
    and filters narrow the list. Exports are not capped."""

    def __init__(self, *args, cap: int = 10_000, **kwargs):
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


def paginate(request, queryset, per_page: int = 50):
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


def forbidden(exc: PermissionDenied) -> HttpResponse:
    return HttpResponse(str(exc) or _("无权执行此操作。"), status=403)
