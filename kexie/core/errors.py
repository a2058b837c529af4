"""Error pages (set as handler400/403/404/500 in kexie/urls.py and CSRF_FAILURE_VIEW in settings): in Chinese,
inside the site layout, with the reason the code gave (``PermissionDenied("企业尚未通过核验…")`` is shown as is).

The 500 page makes no database query: it is rendered without the request's context processors (no user, no
notice count), and when even that fails a static page is returned."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware import csrf
from django.template import loader
from django.utils.html import escape
from django.utils.translation import gettext as _

from kexie.core.http import error_page, reason_of

logger = logging.getLogger(__name__)


def bad_request(request: Any, exception: BaseException | None = None) -> HttpResponse:
    # Only our own BadRequest messages are meant for people; SuspiciousOperation texts are for the log.
    reason = reason_of(exception) if type(exception) is BadRequest else ""
    return error_page(request, 400, reason)


def permission_denied(request: Any, exception: BaseException | None = None) -> HttpResponse:
    return error_page(request, 403, reason_of(exception))


def page_not_found(request: Any, exception: BaseException | None = None) -> HttpResponse:
    return error_page(request, 404, reason_of(exception))


def _static_500() -> str:
    try:
        title, text = _("服务器内部错误"), _("平台处理这次请求时出错，已记录。请稍后重试。")
    except Exception:  # noqa: BLE001 — the last resort must not fail
        title, text = "服务器内部错误", "平台处理这次请求时出错，已记录。请稍后重试。"
    return (f'<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f'<body><h1>{escape(title)}（500）</h1><p>{escape(text)}</p><p><a href="/">首页</a></p></body></html>')


def server_error(request: Any) -> HttpResponse:
    if (getattr(request, "path", "") or "").startswith("/api/"):
        return JsonResponse({"detail": _("服务器内部错误。")}, status=500, json_dumps_params={"ensure_ascii": False})
    try:
        # No request: no context processors, so no session, user or notice query while the database may be down.
        html = loader.get_template("500.html").render({"LANGUAGES": settings.LANGUAGES})
    except Exception:  # noqa: BLE001 — whatever broke the request may break the layout too
        logger.exception("the 500 page could not be rendered; answering with the static page")
        html = _static_500()
    return HttpResponseServerError(html)


def csrf_failure(request: Any, reason: str = "") -> HttpResponse:
    """The CSRF refusal, in Chinese: what happened and what to do (Django's reason is in English, for the log)."""
    if reason == csrf.REASON_NO_CSRF_COOKIE:
        text = _("浏览器没有保存本站的安全 Cookie，请允许本站使用 Cookie 后刷新页面再提交。")
    elif reason == csrf.REASON_INSECURE_REFERER or reason.startswith(("Referer checking failed",
                                                                      "Origin checking failed")):
        text = _("请求来源校验未通过：请在本站页面内提交，不要从其他网站或保存的页面提交。")
    else:
        text = _("页面的安全令牌已失效（页面停留过久，或已在别处退出登录）。")
    return error_page(request, 403, text, template="403_csrf.html")
