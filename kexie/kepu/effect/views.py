"""Pages of the effect area: the reading beacon and ratings (public), the effect pages and their export (staff,
``kepu.view`` / ``kepu.export`` over the items' organisations)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kexie.core.export import xlsx_response
from kexie.core.http import bad_request, error_messages, forbidden, to_id
from kexie.core.ratelimit import hit
from kexie.core.scope import get_in_scope, scope_paths
from kexie.core.tables import Column, Empty, Table
from kexie.kepu.effect import services
from kexie.kepu.effect.charts import item_chart, report_charts
from kexie.kepu.effect.counter import record_engagement
from kexie.kepu.effect.forms import BeaconForm, EffectFilter, RateForm
from kexie.kepu.effect.readers import reader_id
from kexie.kepu.effect.stats import BY_CHOICES, item_series, report
from kexie.kepu.models import Item


def _rate_setting() -> str:
    from django.conf import settings

    return str(getattr(settings, "KEXIE_KEPU_BEACON_RATE", "120/10m"))


@csrf_exempt
@require_POST
def beacon(request):
    """What beacon.js sends when a reader leaves an item page: seconds read since the last beacon, whether the end
    was reached, whether it was shared. Bad input: an empty 400 (a beacon has no one to show a page to)."""
    if not hit(request, "kepu-beacon", _rate_setting()):
        return HttpResponse(status=429)
    form = BeaconForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    data = form.cleaned_data
    if not Item.objects.for_public().filter(pk=data["item"]).exists():
        return HttpResponse(status=400)
    seconds, completed, shared = data["seconds"] or 0, data["completed"], data["shared"]
    if seconds or completed or shared:
        record_engagement(data["item"], channel=data["channel"] or "web", region_code=data["region"],
                          reader=reader_id(request), seconds=seconds, completed=completed, shared=shared)
    return HttpResponse(status=204)


@require_POST
def rate(request, pk: int):
    """A reader's stars and/or 是否有帮助 (htmx: the partial again, with the answer kept; else back to the item)."""
    if to_id(pk) is None:
        raise Http404
    item = get_object_or_404(Item.objects.for_public(), pk=pk)
    form = RateForm(request.POST)
    context: dict[str, Any] = {"item": item, "rate_form": form}
    status = 200
    if not hit(request, "kepu-rate", _rate_setting()):
        context["rate_error"], status = _("评价过于频繁，请稍后再试。"), 429
    elif form.is_valid():
        try:
            context["rating"] = services.rate(item, reader=reader_id(request), user=request.user,
                                              stars=form.cleaned_data["stars"], helped=form.cleaned_data["helped"])
        except ValidationError as exc:
            context["rate_error"], status = " ".join(error_messages(exc)), 400
    else:
        context["rate_error"], status = " ".join(str(m) for ms in form.errors.values() for m in ms), 400
    if request.htmx:
        return render(request, "kepu/effect/_rate.html", context, status=status)
    if status != 200:
        return bad_request(request, context["rate_error"])
    return redirect(reverse("kepu:item", args=[item.pk]) + "#kepu-rate")


_COLUMNS = (
    Column("label", gettext_lazy("名称"), ("label",)),
    Column("views", gettext_lazy("阅读量"), ("views",), "num"),
    Column("readers", gettext_lazy("读者数"), ("readers",), "num"),
    Column("avg_seconds", gettext_lazy("平均阅读时长"), ("seconds",), "num hide-sm"),
    Column("completion", gettext_lazy("读完率"), ("completions",), "num hide-sm"),
    Column("shares", gettext_lazy("分享"), ("shares",), "num hide-sm"),
    Column("stars", gettext_lazy("平均评分"), ("stars",), "num"),
    Column("helped", gettext_lazy("认为有帮助"), ("helped_yes",), "num hide-sm"),
)


@login_required
def effect(request):
    if scope_paths(request.user, "kepu.view") == []:
        return forbidden(PermissionDenied(_("您没有查看数字科普传播效果的权限。")), request)
    flt = EffectFilter(request.GET)
    month, by = flt.values()
    data = report(request.user, month, by)
    can_export = scope_paths(request.user, "kepu.export") != []
    table = Table(request, data.rows, _COLUMNS, row_template="kepu/effect/page.html#row", table_id="effect-rows",
                  export_url=reverse("kepu:effect-export") if can_export else "",
                  empty=Empty(_("本月还没有阅读记录。作品发布后，读者的阅读、评价会在这里汇总。"),
                              filtered=_("所选月份没有阅读记录。")))
    return render(request, "kepu/effect/page.html", {
        "filter": flt, "report": data, "table": table, "by_label": dict(BY_CHOICES)[by],
        "charts": report_charts(data, str(dict(BY_CHOICES)[by]))})


@login_required
def effect_export(request):
    if scope_paths(request.user, "kepu.export") == []:
        return forbidden(PermissionDenied(_("您没有导出数字科普传播效果的权限。")), request)
    flt = EffectFilter(request.GET)
    month, by = flt.values()
    data = report(request.user, month, by, action="kepu.export")
    headers = [str(dict(BY_CHOICES)[by]), _("阅读量"), _("读者数（按日去重）"), _("阅读总时长（秒）"),
               _("平均阅读时长（秒）"), _("读完次数"), _("读完率（%）"), _("分享次数"), _("评价数"), _("平均评分"),
               _("认为有帮助（%）")]

    def rounded(v: float | None, n: int = 1) -> float | None:
        return None if v is None else round(v, n)

    def rows():
        for r in [*data.rows, data.total]:
            yield [r.label, r.views, r.readers, r.seconds, rounded(r.avg_seconds), r.completions,
                   rounded(r.completion_rate), r.shares, r.ratings, rounded(r.stars, 2), rounded(r.helped_pct)]

    title = _("科普传播效果 %(month)s") % {"month": month.strftime("%Y-%m")}
    return xlsx_response(title, _("传播效果"), headers, rows())


@login_required
def item_effect(request, pk: int):
    if to_id(pk) is None:
        raise Http404
    item = get_in_scope(Item.objects.alive(), request.user, pk, "kepu.view")
    data = item_series(item)
    return render(request, "kepu/effect/item.html", {"item": item, "data": data, "chart": item_chart(data),
                                                     "public": item.status == "published" and not item.retracted_at})
