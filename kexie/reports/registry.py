"""Registry figures (登记数据): counts the platform already knows about an organisation — its members,
branches, subordinate associations, registered people. Report forms pre-fill fields from them
(``"prefill": "<key>"`` in a form schema) and evaluations use them as indicator sources.

Every metric is computed set-based for a list of organisations: one aggregate query per metric,
whatever the number of organisations.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kexie.core.scope import minimal_prefixes, prefix_q
from kexie.members.models import Category, GroupMembership, Membership, Status
from kexie.orgs.models import Level, Organisation

IN_GOOD_STANDING = (Status.NEW, Status.CURRENT, Status.GRACE)

Counter = Callable[[list[Organisation]], dict[int, float]]


@dataclass(frozen=True)
class Metric:
    label: str | Promise
    unit: str | Promise
    count: Counter


def _by_org(rows: Iterable[tuple[int, int | float | None]]) -> dict[int, float]:
    return {org_id: float(n or 0) for org_id, n in rows}


def _members(category: str | None = None) -> Counter:
    def count(orgs: list[Organisation]) -> dict[int, float]:
        qs = Membership.objects.filter(society__in=[o.pk for o in orgs], deleted_at__isnull=True,
                                       status__in=IN_GOOD_STANDING)
        if category:
            qs = qs.filter(category=category)
        return _by_org(qs.values("society_id").annotate(n=Count("id")).values_list("society_id", "n"))
    return count


def _group_members(orgs: list[Organisation]) -> dict[int, float]:
    qs = GroupMembership.objects.filter(society__in=[o.pk for o in orgs], status__in=IN_GOOD_STANDING)
    return _by_org(qs.values("society_id").annotate(n=Count("id")).values_list("society_id", "n"))


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


def _stations(key: str) -> Counter:
    """点火 workstations managed in the organisation's subtree (itself included), last calendar year."""

    def count(orgs: list[Organisation]) -> dict[int, float]:
        from django.utils import timezone

        from kexie.innovation.stations import station_metrics

        figures = station_metrics([o.path for o in orgs], timezone.localdate().year - 1)
        return {o.pk: figures[o.path][key] for o in orgs}

    return count


METRICS: dict[str, Metric] = {
    "individual_members": Metric(_("个人会员数（登记）"), _("人"), _members()),
    "student_members": Metric(_("学生会员数（登记）"), _("人"), _members(Category.STUDENT)),
    "senior_members": Metric(_("高级会员数（登记）"), _("人"), _members(Category.SENIOR)),
    "fellow_members": Metric(_("资深会员数（登记）"), _("人"), _members(Category.FELLOW)),
    "group_members": Metric(_("单位会员数（登记）"), _("个"), _group_members),
    "branches": Metric(_("分支机构数（登记）"), _("个"), _children(("society_branch",))),
    "subordinate_orgs": Metric(_("直属下级组织数（登记）"), _("个"), _children()),
    "township_associations": Metric(_("乡镇（街道）科协数（登记）"), _("个"), _subtree(("kx",), Level.TOWNSHIP)),
    "agri_associations": Metric(_("农技协数（登记）"), _("个"), _subtree(("agri_assoc",))),
    "enterprise_associations": Metric(_("企业科协数（登记）"), _("个"), _subtree(("enterprise_kx",))),
    "university_associations": Metric(_("高校科协数（登记）"), _("个"), _subtree(("university_kx",))),
    "people_registered": Metric(_("登记科技工作者数（含下级）"), _("人"), _people_in_subtree),
    "stations": Metric(_("工作站数（登记，上年度）"), _("个"), _stations("stations")),
    "station_projects": Metric(_("工作站合作项目数（上年度）"), _("项"), _stations("station_projects")),
    "station_patents": Metric(_("工作站专利数（上年度）"), _("件"), _stations("station_patents")),
    "station_trained": Metric(_("工作站培养人才数（上年度）"), _("人"), _stations("station_trained")),
    "station_revenue": Metric(_("工作站新增产值（上年度）"), _("万元"), _stations("station_revenue")),
}


def values(keys: Iterable[str], orgs: QuerySet[Organisation] | Iterable[Organisation]) -> dict[int, dict[str, float]]:
    """Registry figures by organisation id; an organisation with none of a thing gets 0."""
    orgs = list(orgs)
    out: dict[int, dict[str, float]] = {o.pk: {} for o in orgs}
    for key in keys:
        counted = METRICS[key].count(orgs) if orgs else {}
        for o in orgs:
            out[o.pk][key] = counted.get(o.pk, 0.0)
    return out
