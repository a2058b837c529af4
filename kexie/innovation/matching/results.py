"""The result shape shared by the CLI and the pages, and its explanation ("why")."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from kexie.core.text import join_clauses, join_list
from kexie.innovation.matching.disciplines import code_str, label
from kexie.innovation.matching.engine import Hit, Ranking
from kexie.innovation.matching.index import ExpertIndex


@dataclass
class MatchResult:
    person_id: int  # the ranked item's id: a person for need → experts, a need for the other directions
    name: str
    disciplines: list[str]  # GB/T 13745 first-level codes, primary first
    score: float
    why: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def region_text(hit: Hit, region: str | None) -> str | None:
    value = hit.features.get("region", 0.0)
    if value <= 0 or not region:
        return None
    county_level = region.strip()[:6].ljust(6, "0")[4:] != "00"
    if value >= 1.0 and county_level:
        return _("同一区县")
    return _("同一城市")


def explain(index: ExpertIndex, ranking: Ranking, hit: Hit, region: str | None) -> dict[str, Any]:
    """``{"terms": […], "disciplines": […], "region": str | None, "text": "匹配：…；学科：…；…"}``."""
    mine = index.disciplines_of(hit.pos)
    shared = [c for c in ranking.inferred if c in mine]
    where = region_text(hit, region)
    parts = []
    if hit.terms:
        parts.append(_("匹配：%(terms)s") % {"terms": join_list(hit.terms)})
    if shared:
        parts.append(_("学科：%(disciplines)s") % {"disciplines": join_list(label(c) for c in shared)})
    if where:
        parts.append(where)
    if hit.features.get("load", 0.0) > 0:
        parts.append(_("已有在办任务"))
    if hit.features.get("feedback", 0.0) > 0:
        parts.append(_("类似需求反馈有用"))
    elif hit.features.get("feedback", 0.0) < 0:
        parts.append(_("类似需求反馈无用"))
    return {"terms": list(hit.terms), "disciplines": [code_str(c) for c in shared], "region": where,
            "text": join_clauses(parts)}


def result(index: ExpertIndex, ranking: Ranking, hit: Hit, name: str, region: str | None) -> MatchResult:
    return MatchResult(int(index.ids[hit.pos]), name, [code_str(c) for c in index.disciplines_of(hit.pos)],
                       round(hit.score, 4), explain(index, ranking, hit, region))
