"""Denormalised head counts: ``Organisation.people_count`` is the number of live people whose
record the organisation holds. Subtree totals are sums over the (thousands of) organisations in the
subtree instead of counts over the (millions of) people. Services keep the figure exact on every
write; bulk loads and the daily job recompute it."""

from __future__ import annotations

from django.db.models import Count, F, Sum
from django.db.models.functions import Substr

from kexie.core.scope import prefix_q
from kexie.orgs.models import Organisation


def adjust(org_id: int | None, delta: int) -> None:
    if org_id:
        Organisation.objects.filter(pk=org_id).update(people_count=F("people_count") + delta)


def refresh_people_counts() -> int:
    """Recompute every organisation's head count from one GROUP BY over people (a correlated count
    per organisation reads the people index once per organisation: 6.4 s against well under a second
    at 1,000,000 people). Returns how many organisations changed."""
    from kexie.people.models import Person

    counts = dict(Person.objects.filter(deleted_at__isnull=True).order_by().values_list("org")
                  .annotate(n=Count("id")).values_list("org", "n"))
    changed = []
    for org in Organisation.objects.only("id", "people_count").order_by("pk").iterator(chunk_size=5000):
        n = counts.get(org.pk, 0)
        if org.people_count != n:
            org.people_count = n
            changed.append(org)
    Organisation.objects.bulk_update(changed, ["people_count"], batch_size=1000)
    return len(changed)


def subtree_people(paths: list[str], prefix_len: int | None = None) -> dict[str, int]:
    """People under each path (live organisations only); grouped by the first ``prefix_len``
    characters of the path when given, else one total keyed by each path."""
    orgs = Organisation.objects.alive().order_by()
    if prefix_len is not None:
        rows = (orgs.filter(prefix_q("path", paths)).annotate(p=Substr("path", 1, prefix_len)).values("p")
                .annotate(n=Sum("people_count")).values_list("p", "n"))
        return {p: n or 0 for p, n in rows}
    return {p: orgs.filter(prefix_q("path", [p])).aggregate(n=Sum("people_count"))["n"] or 0 for p in paths}
