"""ECharts specifications of the effect pages (drawn by static/kexie/charts.js from json_script)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kexie.kepu.effect.stats import Report

TOP = 20


def _line(labels: list[str], series: list[tuple[str, list[int]]]) -> dict[str, Any]:
    return {"option": {
        "grid": {"left": 8, "right": 24, "top": 36, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "line", "name": name, "data": values, "smooth": True, "showSymbol": False}
                   for name, values in series],
    }, "height": 280}


def report_charts(data: Report, by_label: str) -> dict[str, Any]:
    top = data.rows[:TOP]
    return {"charts": {
        "rows": {"kind": "bar", "labels": [r.label[:16] for r in top], "values": [r.views for r in top],
                 "name": _("阅读量")},
        "daily": _line([d.strftime("%m-%d") for d, _v, _r in data.daily],
                       [(_("阅读量"), [v for _d, v, _r in data.daily]),
                        (_("读者数"), [r for _d, _v, r in data.daily])]),
    }}


def item_chart(data: dict[str, Any]) -> dict[str, Any]:
    series = data["series"]
    return _line([r.label[5:] for r in series], [(_("阅读量"), [r.views for r in series]),
                                                 (_("读者数"), [r.readers for r in series]),
                                                 (_("读完"), [r.completions for r in series])])
