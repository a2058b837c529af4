"""Role grants and the precomputed scope cache."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from kexie.accounts.models import Role, RoleAssignment, User
from kexie.core.scope import ACTIONS, minimal_prefixes

if TYPE_CHECKING:
    from kexie.orgs.models import Organisation


def compute_scope(user: User) -> dict[str, list[str]]:
    by_action: dict[str, list[str]] = {a: [] for a in ACTIONS}
    rows = RoleAssignment.objects.filter(
        user=user, organisation__deleted_at__isnull=True
    ).values_list("organisation__path", "role__actions")
    for path, actions in rows:
        for action in actions:
            if action in by_action:
                by_action[action].append(path)
    return {a: minimal_prefixes(p) for a, p in by_action.items() if p}


def rebuild_scope(user: User) -> None:
    user.scope_cache = compute_scope(user)
    User.objects.filter(pk=user.pk).update(scope_cache=user.scope_cache)


def rebuild_all_scopes() -> int:
    """After the tree changes shape (a move renames paths) every cached prefix may be stale."""
    n = 0
    for user in User.objects.filter(assignments__isnull=False).distinct().iterator():
        rebuild_scope(user)
        n += 1
    return n


@transaction.atomic
def grant_role(user: User, organisation: Organisation, role_code: str) -> RoleAssignment:
    role = Role.objects.get(code=role_code)
    assignment, _ = RoleAssignment.objects.get_or_create(user=user, organisation=organisation, role=role)
    rebuild_scope(user)
    return assignment


@transaction.atomic
def revoke_role(assignment: RoleAssignment) -> None:
    user = assignment.user
    assignment.delete()
    rebuild_scope(user)


def users_at(org_ids: Iterable[int], action: str = "change") -> dict[int, list[Any]]:
    """Active users holding a role with ``action`` directly at each organisation."""
    out: dict[int, list[Any]] = {}
    rows = (RoleAssignment.objects.filter(organisation_id__in=list(org_ids), user__is_active=True)
            .select_related("user", "role"))
    for ra in rows:
        if action in (ra.role.actions or []):
            out.setdefault(ra.organisation_id, []).append(ra.user)
    return out
