"""The census page (charts and tables) and its Excel export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from kexie.census import services
from kexie.census.forms import CensusForm
from kexie.core.export import xlsx_sheets_response
from kexie.core.http import bad_request


@login_required
def page(request):
    """The census page; htmx filter changes get only the results partial (same URL, hence Vary)."""
    form = CensusForm(request.GET, user=request.user)
    template = "census/page.html#results" if request.htmx else "census/page.html"
    if not form.is_valid():
        # htmx swaps only 2xx answers: a partial with the message; a full page answers 400.
        response = render(request, template, {"form": form, "census": None}, status=200 if request.htmx else 400)
    else:
        census = services.compute(request.user, form.filters(), "census.view")
        response = render(request, template, {"form": form, "census": census, "data": _chart_data(census)})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _chart_data(census) -> dict:
    """The figures as JSON for the page, with one bar chart per breakdown for kexie/charts.js (data-chart-key)."""
    data = census.chart_data()
    data["charts"] = {b["key"]: {"kind": "bar", "labels": b["labels"], "values": b["values"],
                                 "name": data["count_label"]} for b in data["breakdowns"]}
    return data


@login_required
def export(request):
    form = CensusForm(request.GET, user=request.user, action="census.export")
    if not form.is_valid():
        return bad_request(request, _("筛选条件有误，无法导出。"))
    census = services.compute(request.user, form.filters(), "census.export")
    return xlsx_sheets_response(_("科技工作者底数"), services.export_sheets(census))
