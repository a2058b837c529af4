"""Session expiry and the password policy on every request (等保 level 3).

``SessionTimeoutMiddleware`` signs a user out after ``KEXIE_SESSION_IDLE_SECONDS`` without a request and, whatever
the activity, ``SESSION_COOKIE_AGE`` seconds after login (Django alone would push the expiry forward each time the
session is saved). ``PasswordPolicyMiddleware`` sends a user whose password has expired, or was set by someone else,
to the change page before anything else; API requests authenticated by a token are not concerned."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

LOGIN_AT = "kexie_login_at"  # set at login by kexie.accounts.signals
SEEN_AT = "kexie_seen_at"
SEEN_GRANULARITY = 60  # seconds: the last-seen time is written at most once a minute


def remember_login(request: HttpRequest | None) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[LOGIN_AT] = now
        session[SEEN_AT] = now


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            expired = self._expired(request)
            if expired:
                logout(request)
                messages.info(request, expired)
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # answered as anonymous: 401/403
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _expired(request: HttpRequest) -> str:
        session = request.session
        now = int(time.time())
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if not isinstance(login_at, int) or not isinstance(seen_at, int):
            session[LOGIN_AT] = session[SEEN_AT] = now  # a session from before these keys existed
            return ""
        if now - login_at > settings.SESSION_COOKIE_AGE:
            return _("登录已超过有效时长，请重新登录。")
        idle = int(getattr(settings, "KEXIE_SESSION_IDLE_SECONDS", 1800))
        if idle > 0 and now - seen_at > idle:
            return _("由于长时间未操作，您已自动退出，请重新登录。")
        if now - seen_at >= SEEN_GRANULARITY:
            session[SEEN_AT] = now
        return ""


@functools.lru_cache(maxsize=1)
def _exempt_paths() -> tuple[str, ...]:
    """Reversed once per process: the URLconf does not change while it runs."""
    return (
        reverse("password_change"), reverse("password_change_done"), reverse("logout"),
        settings.STATIC_URL, "/i18n/",
    )


class PasswordPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and "HTTP_AUTHORIZATION" not in request.META
                and not request.path.startswith(_exempt_paths())):
            reason = ""
            if user.must_change_password:
                reason = _("您的密码由他人设置，请先修改密码后再使用平台。")
            elif user.password_expired():
                reason = (_("您的密码已超过 %(n)s 天未修改，请先修改密码后再使用平台。")
                          % {"n": settings.KEXIE_PASSWORD_MAX_AGE_DAYS})
            if reason:
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": reason}, status=403)
                messages.warning(request, reason)
                return redirect("password_change")
        return self.get_response(request)
