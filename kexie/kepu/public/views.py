"""The public 科普 pages (no login: home, item, topic, audience, search) and the reader's own pages (personal
feed, subscriptions). Public pages read ``for_public()`` through ``pages`` / ``queries`` (server cache under
kepu's generation) and answer anonymous GETs with ``Cache-Control: public, max-age=60`` (``cache``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kexie.core.http import CappedPaginator
from kexie.kepu.effect.counter import record_view
from kexie.kepu.effect.readers import COOKIE, reader_id
from kexie.kepu.models import Channel, Debunk, InfoOfficer, Subscription
from kexie.kepu.public import cache, pages, personal, queries, services
from kexie.kepu.public.forms import SearchForm, SubscriptionForm

PER_PAGE = 20
SEARCH_CAP = 1000
VIA_MAX = 16


@require_GET
@cache.public_page
def home(request):
    return render(request, "kepu/public/home.html", {"data": pages.home()})


def _record_view(request: Any, item_id: int) -> None:
    """Count the read (effect's buffered counter): channel share (an officer's ?via= code), wechat or web."""
    via = (request.GET.get("via") or "").strip()[:VIA_MAX]
    officer_id = (InfoOfficer.objects.filter(share_code=via, active=True).values_list("pk", flat=True).first()
                  if via else None)
    if officer_id is not None:
        channel = Channel.SHARE
    elif "MicroMessenger" in request.headers.get("User-Agent", ""):
        channel = Channel.WECHAT
    else:
        channel = Channel.WEB
    region = services.reader_region(request.user)
    record_view(item_id, channel=channel, region_code=region.code if region else "", reader=reader_id(request),
                officer_id=officer_id)


@require_GET
@cache.public_page
def item(request, pk: int):
    data = pages.item(pk)
    if data == "missing":
        raise Http404(_("科普作品不存在或未发布。"))
    assert isinstance(data, dict)
    if data.get("gone"):
        return render(request, "kepu/public/gone.html", {"title": data.get("title", ""),
                                                         "correction": data.get("correction", "")}, status=410)
    _record_view(request, pk)
    image = request.build_absolute_uri(data["image"]) if data["image"] else ""
    response = render(request, "kepu/public/item.html", {
        "item": data, "og_image": image, "page_url": request.build_absolute_uri(request.path)})
    if cache.anonymous(request) and COOKIE not in request.COOKIES:
        # this answer sets the reader cookie (effect's middleware): no shared cache may keep it
        patch_cache_control(response, private=True, max_age=cache.MAX_AGE)
    return response


def _listing(request: Any, kind: str, code: str) -> Any:
    data = pages.listing(kind, code[:40])
    if data is None:
        raise Http404(_("专题不存在。") if kind == "topic" else _("重点人群不存在。"))
    page = CappedPaginator(data["ids"], PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "kepu/public/listing.html", {
        "kind": kind, "term": data, "page": page, "cards": pages.cards_for(list(page.object_list))})


@require_GET
@cache.public_page
def topic(request, code: str):
    return _listing(request, "topic", code)


@require_GET
@cache.public_page
def audience(request, code: str):
    return _listing(request, "audience", code)


@require_GET
def search(request):
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "q": "", "page": None, "cards": [], "debunks": []}
    if not request.GET:
        return render(request, "kepu/public/search.html", context)
    if not form.is_valid():
        return render(request, "kepu/public/search.html", context, status=400)
    q = form.cleaned_data["q"]
    context["q"] = q
    if not q:
        return render(request, "kepu/public/search.html", context)
    qs = queries.public_items().filter(search_text__tokens=q)
    paginator = CappedPaginator(qs.values_list("pk", flat=True), PER_PAGE, cap=SEARCH_CAP)
    page = paginator.get_page(request.GET.get("page"))
    context.update(page=page, cards=pages.cards_for(list(page.object_list)))
    if page.number == 1:
        debunks = list(Debunk.objects.for_public().filter(search_text__tokens=q)
                       .order_by("-published_at", "-id")[:5])
        context["debunks"] = [{"claim": d.claim, "verdict": d.get_verdict_display(),
                               "url": pages.link("kepu:debunk", d.pk)} for d in debunks]
        region = form.cleaned_data["region"]
        if not region:
            own = services.reader_region(request.user)
            region = own.code if own is not None else ""
        services.log_search(q, region_code=region, results=paginator.count, user=request.user)
    return render(request, "kepu/public/search.html", context)


@login_required
@require_GET
def mine(request):
    ids = personal.feed_ids(request.user)
    page = CappedPaginator(ids, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "kepu/public/mine.html", {
        "page": page, "cards": pages.cards_for(list(page.object_list)),
        "subscribed": Subscription.objects.filter(user=request.user).exists()})


@login_required
@require_http_methods(["GET", "POST"])
def subscriptions(request):
    current = Subscription.objects.filter(user=request.user).select_related("topic", "audience", "region")
    initial = {"topics": [s.topic.code for s in current if s.topic_id],
               "audiences": [s.audience.code for s in current if s.audience_id],
               "region": next((s.region.code for s in current if s.region_id), "")}
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "kepu/public/subscriptions.html", {"form": form}, status=400)
        n = services.save_subscriptions(request.user, topics=form.cleaned_data["topics"],
                                        audiences=form.cleaned_data["audiences"], region=form.region_object())
        messages.success(request, _("订阅已保存（%(n)d 项）。") % {"n": n} if n else _("已取消全部订阅。"))
        return redirect("kepu:subscriptions")
    return render(request, "kepu/public/subscriptions.html", {"form": form})
