"""Registry figures of the organisation tree (declared in ``OrgsConfig.figures``; kexie.core.registry.Figure):
branches, subordinate organisations, associations of each kind below, registered people below. Each counter
takes the whole list of organisations and makes one aggregate query (a path filter per organisation would be
an OR of thousands of ranges)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable

from django.db.models import Q

from kexie.core.scope import minimal_prefixes, prefix_q
from kexie.orgs.models import Level, Organisation

Counter = Callable[[list[Organisation]], dict[int, float]]


def _children(kinds: tuple[str, ...] = ()) -> Counter:
    """Live direct children (of the given kinds). One query over the organisations one level below any of
    the given ones, matched to their parent by path in Python (a path filter per organisation would be an
    OR of thousands of ranges)."""
    def count(orgs: list[Organisation]) -> dict[int, float]:
        by_path = {o.path: o.pk for o in orgs}
        qs = Organisation.objects.alive().filter(depth__in={o.depth + 1 for o in orgs})
        if kinds:
            qs = qs.filter(kind__code__in=kinds)
        out: dict[int, float] = {}
        step = Organisation.steplen
        for path in qs.values_list("path", flat=True).iterator(chunk_size=5000):
            parent = by_path.get(path[: len(path) - step])
            if parent is not None:
                out[parent] = out.get(parent, 0.0) + 1
        return out
    return count


def _under_any(orgs: list[Organisation]) -> Q:
    """The subtrees of ``orgs`` as a filter: a range per minimal prefix while there are few, else every
    organisation deep enough (SQLite refuses an OR of thousands of ranges; ``_range_sums`` keeps the
    right ones)."""
    prefixes = minimal_prefixes(o.path for o in orgs)
    if len(prefixes) <= 50:
        return prefix_q("path", prefixes)
    return Q(depth__gt=min(o.depth for o in orgs))


def _range_sums(orgs: list[Organisation], rows: Iterable[tuple[str, float]]) -> dict[int, float]:
    """For each organisation, the sum of ``rows`` (path, amount) strictly below it: a sorted list of
    paths, prefix sums and two bisections per organisation."""
    ordered = sorted(rows)
    paths = [p for p, _amount in ordered]
    sums = [0.0]
    for _path, amount in ordered:
        sums.append(sums[-1] + amount)
    out: dict[int, float] = {}
    for o in orgs:
        lo = bisect_right(paths, o.path)  # the organisation itself sorts first in its range: skip it
        hi = bisect_left(paths, o.path + "\uffff")
        out[o.pk] = sums[max(hi, lo)] - sums[lo]
    return out


def _subtree(kinds: tuple[str, ...], level: str | None = None) -> Counter:
    """Live organisations of the given kinds anywhere below (not counting the organisation itself)."""
    def count(orgs: list[Organisation]) -> dict[int, float]:
        filters = Q(kind__code__in=kinds) & (Q(level=level) if level else Q())
        paths = Organisation.objects.alive().filter(filters).filter(_under_any(orgs)).values_list("path", flat=True)
        return _range_sums(orgs, ((p, 1.0) for p in paths))
    return count


def _people_in_subtree(orgs: list[Organisation]) -> dict[int, float]:
    """The denormalised head counts of the organisation and everything below it."""
    rows = Organisation.objects.alive().filter(_under_any(orgs)).values_list("path", "people_count")
    below = _range_sums(orgs, ((p, float(n)) for p, n in rows))
    own = dict(Organisation.objects.filter(pk__in=[o.pk for o in orgs]).values_list("pk", "people_count"))
    return {o.pk: below[o.pk] + float(own.get(o.pk) or 0) for o in orgs}



branches = _children(("society_branch",))
subordinate_orgs = _children()
township_associations = _subtree(("kx",), Level.TOWNSHIP)
agri_associations = _subtree(("agri_assoc",))
enterprise_associations = _subtree(("enterprise_kx",))
university_associations = _subtree(("university_kx",))
people_registered = _people_in_subtree
