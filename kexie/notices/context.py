"""``unread_notices`` in every template: the caller's unread count, counted only if a page shows it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kexie.notices.models import Notification


def unread(request: HttpRequest) -> dict[str, SimpleLazyObject]:
    user = getattr(request, "user", None)
    return {"unread_notices": SimpleLazyObject(lambda: Notification.objects.for_user(user).unread().count())}
