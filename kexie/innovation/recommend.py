"""Needs recommended to an expert (their expertise, bio, honours, disciplines) and to an achievement (its text):
the other two directions of matching, over the needs open on the marketplace."""

from __future__ import annotations

from typing import Any

from kexie.innovation.data.industries import DIVISION_DISCIPLINES
from kexie.innovation.market.services import public_needs
from kexie.innovation.matching import api
from kexie.innovation.matching.errors import MatchError
from kexie.innovation.models import Achievement, Need
from kexie.people.models import Person

MAX_CANDIDATES = 2000


def _candidates(extra: Any = None) -> tuple[list[Any], dict[int, Need]]:
    needs = {n.pk: n for n in (extra if extra is not None else public_needs()).select_related("region")
             .order_by("-published_at", "-id")[:MAX_CANDIDATES]}
    rows = [(n.pk, f"{n.title}\n{n.description}", list(DIVISION_DISCIPLINES.get(n.industry, [])),
             n.region.code if n.region else None, n.title) for n in needs.values()]
    return rows, needs


def needs_for_person(person: Person, top: int = 5) -> list[tuple[Need, Any]]:
    """Open public needs for an expert, best first, each with the matcher's result (score, why)."""
    text = "\n".join([*map(str, person.expertise or []), person.bio or "", *map(str, person.honours or [])])
    codes = list(person.disciplines.order_by("-persondiscipline__is_primary").values_list("code", flat=True))
    rows, needs = _candidates()
    if not rows or not text.strip():
        return []
    try:
        results = api.rank_texts(text, rows, top=top, disciplines=codes)
    except MatchError:
        return []
    return [(needs[r.person_id], r) for r in results if r.person_id in needs]


def needs_for_achievement(ach: Achievement, top: int = 5) -> list[tuple[Need, Any]]:
    rows, needs = _candidates()
    if not rows:
        return []
    try:
        results = api.rank_texts(f"{ach.title}\n{ach.description}", rows, top=top,
                                 disciplines=[str(d) for d in ach.disciplines or []] or None)
    except MatchError:
        return []
    return [(needs[r.person_id], r) for r in results if r.person_id in needs]
