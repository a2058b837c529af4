"""Registry figures of the 点火 workstations (declared in ``InnovationConfig.figures``;
kexie.core.registry.Figure): stations managed in each organisation's subtree and their results last calendar
year."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _stations(key: str) -> Callable[[list[Any]], dict[int, float]]:
    def count(orgs: list[Any]) -> dict[int, float]:
        from django.utils import timezone

        from kexie.innovation.stations import station_metrics

        figures = station_metrics([o.path for o in orgs], timezone.localdate().year - 1)
        return {o.pk: figures[o.path][key] for o in orgs}

    return count


stations = _stations("stations")
station_projects = _stations("station_projects")
station_patents = _stations("station_patents")
station_trained = _stations("station_trained")
station_revenue = _stations("station_revenue")
