"""Denormalised head counts: ``Organisation.people_count`` is the number of live people whose
record the organisation holds. Subtree totals are sums over the (thousands of) organisations in the
subtree instead of counts over the (millions of) people. Services keep the figure exact on every
write; bulk loads and the daily job recompute it."""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr

from kexie.core.scope import prefix_q
from kexie.orgs.models import Organisation


def adjust(org_id: int | None, delta: int) -> None:
    if org_id:
        Organisation.objects.filter(pk=org_id).update(people_count=F("people_count") + delta)


def refresh_people_counts() -> int:
    from kexie.people.models import Person

    direct = (Person.objects.filter(org=OuterRef("pk"), deleted_at__isnull=True).order_by()
              .values("org").annotate(n=Count("id")).values("n"))
    return Organisation.objects.update(people_count=Coalesce(Subquery(direct), Value(0)))


def subtree_people(paths: list[str], prefix_len: int | None = None) -> dict[str, int]:
    """People under each path (live organisations only); grouped by the first ``prefix_len``
    characters of the path when given, else one total keyed by each path."""
    orgs = Organisation.objects.alive().order_by()
    if prefix_len is not None:
        rows = (orgs.filter(prefix_q("path", paths)).annotate(p=Substr("path", 1, prefix_len)).values("p")
                .annotate(n=Sum("people_count")).values_list("p", "n"))
        return {p: n or 0 for p, n in rows}
    return {p: orgs.filter(prefix_q("path", [p])).aggregate(n=Sum("people_count"))["n"] or 0 for p in paths}
