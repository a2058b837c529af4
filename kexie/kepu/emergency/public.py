"""Public pages of 应急科普 (no login, phone first): the incidents with published items and one incident's
published items, newest first, grouped by day. Both start from ``for_public()``."""

from __future__ import annotations

from itertools import groupby

from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kexie.core.http import CappedPaginator
from kexie.kepu.models import Incident, Item

PER_PAGE = 20
ITEMS_CAP = 500


@require_GET
def incidents_public(request):
    live = Q(items__status="published", items__retracted_at__isnull=True, items__deleted_at__isnull=True)
    qs = (Incident.objects.for_public().select_related("org")
          .annotate(n_items=Count("items", filter=live), latest=Max("items__published_at", filter=live))
          .order_by("-started_at", "-id"))
    page = CappedPaginator(qs, PER_PAGE, cap=2000).get_page(request.GET.get("page"))
    return render(request, "kepu/emergency/public_list.html", {"page": page})


@require_GET
def incident_public(request, pk: int):
    incident = Incident.objects.for_public().select_related("org", "region").filter(pk=pk).first()
    if incident is None:
        raise Http404(_("应急事件不存在或尚无公开的科普作品。"))
    items = list(Item.objects.for_public().filter(incident=incident).select_related("org")
                 .only("pk", "title", "summary", "kind", "published_at", "org__name")
                 .order_by("-published_at", "-id")[:ITEMS_CAP])
    days = [(day, list(rows)) for day, rows in
            groupby(items, key=lambda i: timezone.localdate(i.published_at) if i.published_at else None)]
    return render(request, "kepu/emergency/public_incident.html", {"incident": incident, "days": days,
                                                                   "count": len(items)})
