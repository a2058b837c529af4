"""The feeds (RSS 2.0 and JSON Feed 1.1): anonymous, cached per filter set under kepu's generation, one minute in
browsers and proxies. A bad filter answers 400 with a Chinese message (JSON for the JSON feed, plain text for RSS)."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from kexie.kepu.public import cache, feeds


@require_GET
def feed_json(request):
    try:
        filters = feeds.parse(request.GET)
    except feeds.FilterError as exc:
        return JsonResponse({"detail": str(exc)}, status=400, json_dumps_params={"ensure_ascii": False})
    body = feeds.json_feed(request, filters, feeds.rows(filters))
    response = JsonResponse(body, content_type="application/feed+json; charset=utf-8",
                            json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, public=True, max_age=cache.MAX_AGE)
    return response


@require_GET
def feed_rss(request):
    try:
        filters = feeds.parse(request.GET)
    except feeds.FilterError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(feeds.rss(request, feeds.rows(filters)), content_type="application/rss+xml; charset=utf-8")
    patch_cache_control(response, public=True, max_age=cache.MAX_AGE)
    return response
