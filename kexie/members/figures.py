"""Registry figures of memberships (declared in ``MembersConfig.figures``; kexie.core.registry.Figure): the
members in good standing of each society, by category, and its group members. One aggregate query per figure."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Count

from kexie.members.models import Category, GroupMembership, Membership, Status
from kexie.orgs.models import Organisation

IN_GOOD_STANDING = (Status.NEW, Status.CURRENT, Status.GRACE)

Counter = Callable[[list[Organisation]], dict[int, float]]


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


individual_members = _members()
student_members = _members(Category.STUDENT)
senior_members = _members(Category.SENIOR)
fellow_members = _members(Category.FELLOW)
group_members = _group_members
