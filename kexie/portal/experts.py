"""The public expert finder (专家查询): people who consented to a public profile (``Person.objects.for_public()``),
searched by expertise through the people search tokens (``search_text__tokens``: the GIN / FTS5 index), filtered
by discipline and region; one query for the HTML page and the JSON API. A card never holds an ID number; the
phone is masked (decision 0015)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import OrderBy

from kexie.core.crypto import mask_phone
from kexie.orgs.models import Level, Region
from kexie.people.models import Discipline, Person, PersonDiscipline

PER_PAGE = 20
MAX_PER_PAGE = 50
# Anonymous lists are capped: at most this many matches are counted and paged (narrow the search for more).
CAP = 1000
CARD_FIELDS = ("id", "name", "title", "position", "employer_name", "expertise", "bio", "phone", "org_id")
BIO_CHARS = 300


@dataclass(frozen=True)
class Filters:
    q: str = ""
    discipline: str = ""
    region: str = ""


def discipline_choices() -> list[tuple[str, str]]:
    """First-level disciplines (GB/T 13745), code and name."""
    rows: list[tuple[str, str]] | None = cache.get("portal:disciplines")
    if rows is None:
        rows = [(d.code, f"{d.code} {d.name}") for d in Discipline.objects.filter(parent__isnull=True).order_by("code")]
        cache.set("portal:disciplines", rows, 3600)
    return rows


def region_choices() -> list[tuple[str, str]]:
    """The cities (and the province) people's organisations lie in."""
    rows: list[tuple[str, str]] | None = cache.get("portal:regions")
    if rows is None:
        rows = [(r.code, r.name) for r in Region.objects.filter(level__in=(Level.PROVINCE, Level.CITY))
                .order_by("code")[:400]]
        cache.set("portal:regions", rows, 3600)
    return rows


def _region_ids(code: str) -> QuerySet[Region, Any]:
    region = Region.objects.filter(code=code).first()
    if region is None:
        return Region.objects.none()
    return Region.objects.filter(Q(pk=region.pk) | Q(parent=region) | Q(parent__parent=region)
                                 | Q(parent__parent__parent=region)).values("pk")


def search(filters: Filters) -> QuerySet[Person]:
    """Consenting people matching every token of ``q`` (name, employer, title, expertise), newest first."""
    qs: QuerySet[Person] = Person.objects.for_public()
    if filters.q:
        qs = qs.filter(search_text__tokens=filters.q)
    if filters.discipline:
        qs = qs.filter(Exists(PersonDiscipline.objects.filter(person=OuterRef("pk"),
                                                              discipline__code__startswith=filters.discipline)))
    if filters.region:
        qs = qs.filter(org__region__in=_region_ids(filters.region))
    qs = qs.only(*CARD_FIELDS).prefetch_related(
        Prefetch("disciplines", queryset=Discipline.objects.only("code", "name").order_by("code")))
    if filters.q and connection.vendor == "postgresql":
        # as Person.objects.search(): start from the GIN index's matches and sort those
        return qs.order_by(OrderBy(F("id") + 0, descending=True))
    return qs.order_by("-id")


def card(person: Person) -> dict[str, Any]:
    """What the public sees of one expert: no ID number, no e-mail, the phone masked."""
    bio = (person.bio or "").strip()
    return {
        "id": person.pk,
        "name": person.name,
        "title": person.title,
        "position": person.position,
        "employer": person.employer_name,
        "disciplines": [d.name for d in person.disciplines.all()],
        "expertise": [str(e) for e in (person.expertise or []) if str(e).strip()][:12],
        "bio": bio[:BIO_CHARS] + ("…" if len(bio) > BIO_CHARS else ""),
        "phone": mask_phone(person.phone) if person.phone else "",
    }
