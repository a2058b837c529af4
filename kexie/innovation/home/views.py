"""企业之家 (``innovation:my-enterprise``, phone first): what an enterprise's user follows in one place — its needs
with status, the experts matched to each open need (public profiles only, with the why) and matched achievements,
a 点厨 request per expert from the same page (posted to ``innovation:intro-create``, which checks and writes),
service records with the ratings still to give (posted to ``innovation:need-act``), and the enquiries and
introductions of the enterprise. Read-only here: every write goes through the existing services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from kexie.innovation.data.industries import DIVISION_DISCIPLINES
from kexie.innovation.matching import api
from kexie.innovation.matching.disciplines import label, to_first_level
from kexie.innovation.matching.errors import MatchError
from kexie.innovation.models import (
    OPEN_NEED_STATUSES,
    Achievement,
    Dispatch,
    Enquiry,
    Enterprise,
    Introduction,
    IntroStatus,
    Need,
    ServiceRecord,
)
from kexie.people.models import Person

EXPERTS_PER_NEED = 5
ACHIEVEMENTS_PER_NEED = 3
NEEDS_MATCHED = 5  # open needs whose matches the page computes (the newest)
NEEDS_SHOWN = 30
MAX_ACHIEVEMENTS = 2000
OPEN_INTROS = (IntroStatus.REQUESTED, IntroStatus.BROKERED, IntroStatus.ACCEPTED)


@dataclass
class ExpertRow:
    person_id: int
    name: str
    title: str
    employer: str
    disciplines: list[str]
    why: dict[str, Any]
    intro: Introduction | None = None


@dataclass
class NeedRow:
    need: Need
    experts: list[ExpertRow] = field(default_factory=list)
    achievements: list[tuple[Achievement, dict[str, Any]]] = field(default_factory=list)
    note: str = ""
    matched: bool = False


def _need_text(need: Need) -> str:
    return f"{need.title}\n{need.description}"


def _experts(need: Need, intros: dict[tuple[int, int], Introduction]) -> tuple[list[ExpertRow], str]:
    """Experts for the need from the whole registry, public profiles only (what an enterprise may see)."""
    from kexie.innovation import signals

    try:
        results = api.match_need(_need_text(need), top=EXPERTS_PER_NEED, industry=need.industry or None,
                                 region=need.region.code if need.region else None, public_only=True,
                                 load=signals.current_load(), feedback=signals.feedback())
    except MatchError as exc:
        return [], str(exc)
    people = {p["id"]: p for p in Person.objects.filter(id__in=[r.person_id for r in results], public_profile=True,
                                                       deleted_at__isnull=True)
              .values("id", "title", "employer_name")}
    rows = []
    for r in results:
        p = people.get(r.person_id)
        if p is None:
            continue
        names = [label(c) for c in (to_first_level(x) for x in r.disciplines[:2]) if c]
        rows.append(ExpertRow(r.person_id, r.name, p["title"] or "", p["employer_name"] or "", names, r.why,
                              intros.get((need.pk, r.person_id)) or intros.get((0, r.person_id))))
    return rows, ""


def _achievements(need: Need, candidates: list[Any], by_id: dict[int, Achievement]
                  ) -> list[tuple[Achievement, dict[str, Any]]]:
    if not candidates:
        return []
    try:
        results = api.rank_texts(_need_text(need), candidates, top=ACHIEVEMENTS_PER_NEED,
                                 disciplines=list(DIVISION_DISCIPLINES.get(need.industry, [])) or None)
    except MatchError:
        return []
    return [(by_id[r.person_id], r.why) for r in results if r.person_id in by_id and r.why.get("terms")]


@login_required
def my_enterprise(request):
    user = request.user
    ent: Enterprise | None = (Enterprise.objects.alive().filter(users=user).select_related("host", "region")
                              .order_by("pk").first())
    if ent is None:
        return render(request, "innovation/mine.html", {"ent": None})
    needs = list(ent.needs.alive().select_related("region").order_by("-created_at", "-id")[:NEEDS_SHOWN])
    intros = list(Introduction.objects.filter(enterprise=ent).select_related("expert", "need")
                  .order_by("-requested_at", "-id")[:50])
    open_intros = {(i.need_id or 0, i.expert_id): i for i in reversed(intros) if i.status in OPEN_INTROS}
    achs = {a.pk: a for a in Achievement.objects.for_public().order_by("-published_at", "-id")[:MAX_ACHIEVEMENTS]}
    ach_rows = [(a.pk, f"{a.title}\n{a.description}", [str(d) for d in a.disciplines or []], None, a.title)
                for a in achs.values()]
    rows = []
    matched = 0
    for need in needs:
        row = NeedRow(need)
        if need.status in OPEN_NEED_STATUSES and matched < NEEDS_MATCHED and ent.status == "verified":
            matched += 1
            row.matched = True
            row.experts, row.note = _experts(need, open_intros)
            row.achievements = _achievements(need, ach_rows, achs)
        rows.append(row)
    dispatches = [d for d in Dispatch.objects.filter(need__enterprise=ent, rating__isnull=True)
                  .select_related("need", "society").order_by("-completed_at", "-id")[:20]
                  if Dispatch.WORKFLOW.allows(d, "rate")]
    records = list(ServiceRecord.objects.filter(enterprise=ent).select_related("society", "expert", "need")
                   .order_by("-served_on", "-id")[:50])
    enquiries = list(Enquiry.objects.filter(need__enterprise=ent).select_related("need")
                     .order_by("-created_at", "-id")[:50])
    return render(request, "innovation/mine.html", {
        "ent": ent, "verified": ent.status == "verified", "rows": rows, "to_rate": dispatches, "records": records,
        "enquiries": enquiries, "intros": intros,
    })
