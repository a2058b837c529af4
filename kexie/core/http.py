"""Small helpers shared by views."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def paginate(request, queryset, per_page: int = 50):
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def error_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def forbidden(exc: PermissionDenied) -> HttpResponse:
    return HttpResponse(str(exc) or "无权执行此操作。", status=403)
