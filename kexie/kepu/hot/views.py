"""热点 page: the terms rising in the last days against their own baseline (editors and 科普 staff)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.http import forbidden
from kexie.core.scope import scope_paths
from kexie.kepu.effect.forms import HotFilter
from kexie.kepu.hot.rising import BASELINE_DAYS, rising
from kexie.kepu.models import TermDay
from kexie.orgs.models import Region


def _regions(since: dt.date) -> list[tuple[str, str]]:
    codes = (TermDay.objects.filter(day__gte=since).exclude(region_code="")
             .values_list("region_code", flat=True).distinct().order_by("region_code")[:500])
    names = dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))
    return [(c, names.get(c, c)) for c in codes]


@login_required
def hot(request):
    if scope_paths(request.user, "kepu.view") == [] and scope_paths(request.user, "kepu.publish") == []:
        return forbidden(PermissionDenied(_("您没有查看科普热点的权限。")), request)
    today = timezone.localdate()
    regions = _regions(today - dt.timedelta(days=BASELINE_DAYS + 14))
    flt = HotFilter(request.GET, regions=regions)
    days, region = flt.values()
    names = dict(regions)
    terms = rising(days=days, region=region or None)
    return render(request, "kepu/hot/page.html", {
        "filter": flt, "rows": [(t, [names.get(c, c) for c in t.regions]) for t in terms], "days": days,
        "window_start": today - dt.timedelta(days=days - 1), "today": today})
