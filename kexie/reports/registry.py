"""Registry figures (登记数据): counts the platform already knows about an organisation — its members,
branches, subordinate associations, registered people, workstations. Report forms pre-fill fields from them
(``"prefill": "<key>"`` in a form schema) and evaluations use them as indicator sources.

Each app declares its figures in its ``AppConfig.figures`` (kexie.core.registry.Figure: key, label, unit, the
dotted path of a set-based counter); ``METRICS`` is the catalogue of all of them, read when used, so a new
module's figures appear in the report builder's pre-fill list and the evaluation sources without editing this
file. Every figure is computed set-based for a list of organisations: one aggregate query per figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise

from kexie.core.registry import figures
from kexie.orgs.models import Organisation

Counter = Callable[[list[Organisation]], dict[int, float]]


@dataclass(frozen=True)
class Metric:
    label: str | Promise
    unit: str | Promise
    count: Counter


class _Catalogue(Mapping[str, Metric]):
    """Every installed app's figures by key (read from the registry on each use: cheap, a handful of apps)."""

    def _all(self) -> dict[str, Any]:
        return figures()

    def __getitem__(self, key: str) -> Metric:
        figure = self._all()[key]
        return Metric(figure.label, figure.unit, figure.load())

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __contains__(self, key: object) -> bool:
        return key in self._all()


METRICS: Mapping[str, Metric] = _Catalogue()


def values(keys: Iterable[str], orgs: QuerySet[Organisation] | Iterable[Organisation]) -> dict[int, dict[str, float]]:
    """Registry figures by organisation id; an organisation with none of a thing gets 0."""
    orgs = list(orgs)
    out: dict[int, dict[str, float]] = {o.pk: {} for o in orgs}
    for key in keys:
        counted = METRICS[key].count(orgs) if orgs else {}
        for o in orgs:
            out[o.pk][key] = counted.get(o.pk, 0.0)
    return out
