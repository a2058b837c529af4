"""Who is told when an individual's request arrives (档案认领, 资料变更; decision 0038).

``deciders(path, actions)``: the active users holding every one of ``actions`` over the organisation at ``path``,
taken at the nearest level that has any — the organisation itself, else its parent, and so on up to the root —
so that the staff closest to the person hear of it (and always somebody), not every administrator of the
province. Role grants are read through ``kexie.accounts.services.users_at``, the one function other modules'
notices use for "who holds this action at that organisation"."""

from __future__ import annotations

from typing import Any

from kexie.accounts.services import users_at
from kexie.core.scope import user_can
from kexie.orgs.models import Organisation


def ancestor_paths(path: str) -> list[str]:
    """``path`` and every ancestor's, nearest first."""
    step = Organisation.steplen
    return [path[:i] for i in range(len(path), 0, -step)] if path and len(path) % step == 0 else []


def deciders(path: str, actions: tuple[str, ...]) -> list[Any]:
    paths = ancestor_paths(path)
    if not paths or not actions:
        return []
    ids_by_path = dict(Organisation.objects.filter(path__in=paths, deleted_at__isnull=True)
                       .values_list("path", "pk"))
    ids = list(ids_by_path.values())
    holders = [users_at(ids, action) for action in actions]
    for p in paths:
        org_id = ids_by_path.get(p)
        if org_id is None:
            continue
        here = {u.pk: u for held in holders for u in held.get(org_id, [])}
        # a role here may give one action and a role above the other: what counts is holding all over ``path``
        found = [u for pk, u in sorted(here.items()) if all(user_can(u, a, path) for a in actions)]
        if found:
            return found
    return []
