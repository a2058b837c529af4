"""Pages of 科普大屏: for staff the list (在线/离线, 只看离线), registration, editing and a new key (shown once);
for the screen itself the full-screen play page and the heartbeat it posts (both by the screen's key)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kexie.core.http import error_messages, forbidden
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.kepu.models import Screen
from kexie.kepu.screens import services
from kexie.kepu.screens.forms import ScreenFilter, ScreenForm
from kexie.orgs.models import Organisation

SESSION_KEY = "kepu-screen-key"
REFRESH_SECONDS = 60
SLIDE_SECONDS = 15
COLUMNS = (
    Column("name", gettext_lazy("名称"), ("name",)),
    Column("location", gettext_lazy("安放地点"), ("location",), "hide-sm"),
    Column("org", gettext_lazy("管理单位"), ("org_path",), "hide-sm"),
    Column("region", gettext_lazy("地区"), ("region__code",), "hide-sm"),
    Column("topics", gettext_lazy("播放专题"), (), "hide-sm"),
    Column("heartbeat", gettext_lazy("最近心跳"), ("last_heartbeat_at",)),
    Column("status", gettext_lazy("状态"), ()),
)


def _managed_orgs(user: Any) -> Any:
    return Organisation.objects.for_user(user, "kepu.screens").alive()


@login_required
def screen_list(request):
    if scope_paths(request.user, "kepu.view") == []:
        raise PermissionDenied(_("您无权查看科普大屏。"))
    flt = ScreenFilter(request.GET)
    data = flt.values()
    now = timezone.now()
    qs = Screen.objects.for_user(request.user, "kepu.view").select_related("org", "region").prefetch_related("topics")
    if data["q"]:
        qs = qs.filter(Q(name__icontains=data["q"]) | Q(location__icontains=data["q"]))
    if data["offline"]:
        qs = qs.filter(Q(last_heartbeat_at__isnull=True) | Q(last_heartbeat_at__lt=now - services.SILENT_AFTER))
    can_create = scope_paths(request.user, "kepu.screens") != []
    table = Table(request, qs.order_by("org_path", "name", "pk"), COLUMNS, row_template="kepu/screens/list.html#row",
                  filterset=flt, table_id="screens", empty=Empty(
                      _("暂无科普大屏。登记大屏后，把播放地址输入大屏的浏览器，大屏就会循环播放最新作品。"),
                      _("登记大屏") if can_create else "", reverse("kepu:screen-create") if can_create else "",
                      filtered=_("没有符合条件的大屏。")))
    table.page.object_list = list(table.page.object_list)
    for row in table.page.object_list:
        row.can_manage = user_can(request.user, "kepu.screens", row.org_path)
    return render(request, "kepu/screens/list.html", {
        "table": table, "filter": flt, "can_create": can_create, "cutoff": now - services.SILENT_AFTER})


def _play_url(request: Any, key: str) -> str:
    return request.build_absolute_uri(reverse("kepu:screen-play") + "?" + urlencode({"key": key}))


@login_required
def screen_create(request):
    orgs = _managed_orgs(request.user)
    if not orgs.exists():
        raise PermissionDenied(_("您无权登记科普大屏。"))
    form = ScreenForm(request.POST or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            screen, key = services.create_screen(request.user, org=data["org"], name=data["name"],
                                                 location=data["location"], region=data["region"],
                                                 topics=data["topics"], active=data["active"])
            request.session[SESSION_KEY] = [screen.pk, key]
            messages.success(request, _("大屏已登记。"))
            return redirect("kepu:screen-edit", pk=screen.pk)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
    return render(request, "kepu/screens/form.html", {"form": form, "screen": None},
                  status=400 if form.errors else 200)


@login_required
def screen_edit(request, pk: int):
    screen: Screen = get_in_scope(Screen.objects.select_related("org", "region"), request.user, pk, "kepu.screens")
    initial = {"name": screen.name, "location": screen.location, "region": screen.region,
               "topics": list(screen.topics.all()), "active": screen.active}
    form = ScreenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_screen(request.user, screen, name=data["name"], location=data["location"],
                                 region=data["region"], topics=data["topics"], active=data["active"])
            messages.success(request, _("已保存。"))
            return redirect("kepu:screen-edit", pk=screen.pk)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
    shown = request.session.pop(SESSION_KEY, None)  # the new key, once: gone from the session on this page
    key = shown[1] if isinstance(shown, list) and len(shown) == 2 and shown[0] == screen.pk else ""
    return render(request, "kepu/screens/form.html", {
        "form": form, "screen": screen, "key": key, "play_url": _play_url(request, key) if key else "",
        "online": bool(screen.last_heartbeat_at and screen.last_heartbeat_at >= timezone.now() - services.SILENT_AFTER),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def screen_key(request, pk: int):
    screen: Screen = get_in_scope(Screen.objects, request.user, pk, "kepu.screens")
    try:
        key = services.issue_key(request.user, screen)
    except PermissionDenied as exc:
        return forbidden(exc, request)
    request.session[SESSION_KEY] = [screen.pk, key]
    messages.success(request, _("已生成新密钥，旧密钥已失效。"))
    return redirect("kepu:screen-edit", pk=screen.pk)


# ---- the screen side ------------------------------------------------------------------------------------------
def feed_urls(screen: Screen) -> list[str]:
    """The feed addresses the screen plays: one per topic of its playlist (all topics: one), with its region."""
    try:
        base = reverse("kepu:feed-json")
    except NoReverseMatch:
        base = "/kepu/feed.json"
    region = {"region": screen.region.code} if screen.region else {}
    codes = sorted(t.code for t in screen.topics.all())
    if not codes:
        return [base + ("?" + urlencode(region) if region else "")]
    return [base + "?" + urlencode({**region, "topic": code}) for code in codes]


@require_GET
def play(request):
    screen = services.by_key(request.GET.get("key"))
    if screen is None:
        return forbidden(PermissionDenied(_("大屏密钥无效或大屏已停用，请在管理页面重新生成密钥。")), request)
    return render(request, "kepu/screens/play.html", {
        "screen": screen, "feeds": " ".join(feed_urls(screen)), "key": request.GET.get("key"),
        "refresh": REFRESH_SECONDS, "slide": SLIDE_SECONDS})


@csrf_exempt
@require_POST
def heartbeat(request):
    key = request.headers.get("X-Screen-Key") or request.POST.get("key")
    screen = services.by_key(key)
    if screen is None:
        return JsonResponse({"detail": _("大屏密钥无效或大屏已停用。")}, status=403)
    written = services.heartbeat(screen)
    return JsonResponse({"ok": True, "recorded": written, "refresh": REFRESH_SECONDS})
