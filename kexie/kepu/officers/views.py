"""Pages of 科普中国信息员: registration and the officer's own page (points, rank, ledger, share links), the share
button, the public top-N ranking; for staff the officer list (scope by the officer's organisation), its export,
停用/恢复, and the point rules at the province."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kexie.core.export import xlsx_response
from kexie.core.http import error_messages, forbidden
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.kepu.models import InfoOfficer, Item, PointEntry, PointRule
from kexie.kepu.officers import points, ranking, services
from kexie.kepu.officers.forms import ActiveForm, JoinForm, OfficerFilter, RankingForm, RuleFormSet

LATEST_ITEMS = 10
LEDGER_ROWS = 50
COLUMNS = (
    Column("number", gettext_lazy("编号"), ("number",)),
    Column("name", gettext_lazy("昵称"), ("display_name",)),
    Column("org", gettext_lazy("所属组织"), ("org_path",), "hide-sm"),
    Column("region", gettext_lazy("地区"), ("region__code",), "hide-sm"),
    Column("points", gettext_lazy("年度积分"), ("year_points",)),
    Column("registered", gettext_lazy("注册时间"), ("registered_at",), "hide-sm"),
    Column("active", gettext_lazy("状态"), ("active",)),
)


def item_url(pk: int) -> str:
    try:
        return reverse("kepu:item", args=[pk])
    except NoReverseMatch:
        return f"/kepu/items/{pk}/"


# ---- the officer's own pages ----------------------------------------------------------------------------------
@login_required
def join(request):
    if InfoOfficer.objects.filter(user=request.user).exists():
        return redirect("kepu:officer-me")
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            officer = services.register(request.user, org=data["org"], display_name=data["display_name"],
                                        region=data["region"])
            messages.success(request, _("注册成功，您的信息员编号是 %(number)s。") % {"number": officer.number})
            return redirect("kepu:officer-me")
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
    return render(request, "kepu/officers/join.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def me(request):
    officer = InfoOfficer.objects.select_related("org", "region").filter(user=request.user).first()
    if officer is None:
        return redirect("kepu:officer-join")
    year = timezone.localdate().year
    total, rank = ranking.standing(officer, year)
    ledger = list(PointEntry.objects.filter(officer=officer).select_related("item").order_by("-at", "-pk")
                  [:LEDGER_ROWS])
    items = list(Item.objects.for_public().order_by("-published_at", "-pk").only("pk", "title", "published_at")
                 [:LATEST_ITEMS])
    shares = [{"item": it, "url": request.build_absolute_uri(f"{item_url(it.pk)}?via={officer.share_code}")}
              for it in items]
    return render(request, "kepu/officers/me.html", {
        "officer": officer, "year": year, "total": total, "rank": rank, "ledger": ledger, "shares": shares,
        "rules": PointRule.objects.filter(active=True)})


@login_required
@require_POST
def share(request, pk: int):
    item = Item.objects.for_public().filter(pk=pk).first()
    if item is None:
        raise Http404(_("作品不存在或已撤稿。"))
    try:
        got = points.record_share(request.user, item)
    except PermissionDenied as exc:
        return forbidden(exc, request)
    except ValidationError as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return redirect("kepu:officer-me")
    if got:
        messages.success(request, _("已记录分享，积分 +%(n)s。") % {"n": got})
    else:
        messages.info(request, _("已记录分享。今天分享这篇作品或此项积分已达上限，不再加分。"))
    return redirect("kepu:officer-me")


@require_GET
def ranking_page(request):
    year, n, region = RankingForm(request.GET).values()
    rows = ranking.top(year, n, region)
    this_year = timezone.localdate().year
    return render(request, "kepu/officers/ranking.html", {
        "rows": rows, "year": year, "n": n, "region": region, "years": range(this_year, this_year - 5, -1)})


# ---- staff pages ----------------------------------------------------------------------------------------------
def _filtered(request: Any, action: str) -> tuple[OfficerFilter, dict[str, Any], QuerySet[InfoOfficer]]:
    if scope_paths(request.user, action) == []:
        raise PermissionDenied(_("您无权查看科普信息员。"))
    flt = OfficerFilter(request.GET)
    data = flt.values()
    start, end = ranking.year_bounds(data["year"])
    qs = (InfoOfficer.objects.for_user(request.user, action).select_related("org", "region")
          .annotate(year_points=Sum("points__points", filter=Q(points__day__range=(start, end)))))
    if data["q"]:
        qs = qs.filter(Q(display_name__icontains=data["q"]) | Q(number__icontains=data["q"]))
    if data["active"]:
        qs = qs.filter(active=data["active"] == "1")
    return flt, data, qs


@login_required
def officer_list(request):
    flt, data, qs = _filtered(request, "kepu.view")
    can_export = scope_paths(request.user, "kepu.export") != []
    table = Table(request, qs.order_by("number"), COLUMNS, row_template="kepu/officers/list.html#row",
                  filterset=flt, table_id="officers",
                  export_url=reverse("kepu:officers-export") if can_export else "",
                  empty=Empty(_("暂无科普信息员。个人登录后在“科普信息员”页面注册，注册后出现在这里。"),
                              _("查看排行榜"), reverse("kepu:officers-ranking"),
                              filtered=_("没有符合条件的信息员。")))
    table.page.object_list = list(table.page.object_list)
    for row in table.page.object_list:
        row.can_change = user_can(request.user, "kepu.change", row.org_path)
    return render(request, "kepu/officers/list.html", {
        "table": table, "filter": flt, "year": data["year"], "can_rules": services.can_edit_rules(request.user)})


@login_required
def officer_export(request):
    _flt, data, qs = _filtered(request, "kepu.export")
    headers = [_("编号"), _("昵称"), _("所属组织"), _("地区"), _("%(year)s 年积分") % {"year": data["year"]},
               _("注册时间"), _("状态")]

    def rows():
        for o in qs.order_by("number").iterator(chunk_size=1000):
            yield [o.number, o.display_name, o.org.name, o.region.name if o.region else "", o.year_points or 0,
                   timezone.localtime(o.registered_at).replace(tzinfo=None), _("有效") if o.active else _("已停用")]

    return xlsx_response(_("科普信息员"), _("科普信息员"), headers, rows())


@login_required
@require_POST
def officer_active(request, pk: int):
    officer = get_in_scope(InfoOfficer.objects, request.user, pk, "kepu.change")
    form = ActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求无效。"))
        return redirect("kepu:officers")
    try:
        services.set_active(request.user, officer, form.cleaned_data["active"])
    except PermissionDenied as exc:
        return forbidden(exc, request)
    messages.success(request, _("已恢复 %(name)s。") % {"name": officer.display_name} if form.cleaned_data["active"]
                     else _("已停用 %(name)s。") % {"name": officer.display_name})
    return redirect("kepu:officers")


@login_required
def point_rules(request):
    if not services.can_edit_rules(request.user):
        return forbidden(PermissionDenied(_("只有省级科协的编辑可以修改积分规则。")), request)
    initial = [{"action": r.action, "points": r.points, "daily_cap": r.daily_cap, "active": r.active}
               for r in PointRule.objects.order_by("action")]
    formset = RuleFormSet(request.POST or None, initial=initial, prefix="rules")
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            n = services.save_rules(request.user, [f.cleaned_data for f in formset.forms if f.cleaned_data])
            messages.success(request, _("积分规则已保存（修改 %(n)s 条）。") % {"n": n})
            return redirect("kepu:point-rules")
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    bad = request.method == "POST"
    return render(request, "kepu/officers/rules.html", {"formset": formset, "errors": errors},
                  status=400 if bad else 200)
