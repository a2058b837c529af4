"""The one scope helper (SPEC §2.1): what a user may see and change is the subtree of the
organisations where they hold a role, and nothing else.

Each user's reachable scope is precomputed per action as a minimal list of materialised-path
prefixes (``User.scope_cache``, rebuilt by ``kexie.accounts.services.rebuild_scope``), so a scope
check is a byte-order range filter on an indexed path column: no walk of the tree per request.

Usage::

    Organisation.objects.for_user(request.user, "view")
    get_in_scope(Person.objects, request.user, pk)          # 404 when missing *or* out of scope
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, Self, TypeVar

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

ACTIONS = ("view", "change", "export", "view_pii", "manage")


def minimal_prefixes(paths: Iterable[str]) -> list[str]:
    """Drop every path that lies under another path in the set."""
    kept: list[str] = []
    for p in sorted(set(paths)):
        if not kept or not p.startswith(kept[-1]):
            kept.append(p)
    return kept


def scope_paths(user: Any, action: str = "view") -> list[str] | None:
    """``None`` means unrestricted (superuser); ``[]`` means nothing."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    paths = list((user.scope_cache or {}).get(action, []))
    if paths and _covers_every_root(paths):
        return None  # a role at the top of every tree reaches every record: no filter at all
    return paths


def _covers_every_root(paths: list[str]) -> bool:
    from kexie.orgs.models import Organisation

    roots = [p for p in paths if len(p) == Organisation.steplen]
    if not roots:
        return False
    all_roots = set(Organisation.objects.filter(depth=1).values_list("path", flat=True))
    return all_roots <= set(roots)


def path_upper(prefix: str) -> str:
    """Smallest string greater than every string that starts with ``prefix`` (byte order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def prefix_q(field: str, paths: Iterable[str]) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__gte": p, f"{field}__lt": path_upper(p)})
    return q


def path_in_scope(path: str, paths: list[str] | None) -> bool:
    return paths is None or any(path.startswith(p) for p in paths)


_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    """Base queryset of every domain model. The model says how it maps to a path:
    ``scope_path_field`` (a path column on the row), or a ``scope_q(paths)`` classmethod."""

    def for_user(self, user: Any, action: str = "view") -> Self:
        paths = scope_paths(user, action)
        if paths is None:
            return self
        if not paths:
            return self.none()
        model = self.model
        scope_q = getattr(model, "scope_q", None)
        if scope_q is not None:
            return self.filter(scope_q(paths))
        field = getattr(model, "scope_path_field", None)
        if not isinstance(field, str):
            raise TypeError(f"{model.__name__} maps to no organisation: give it scope_path_field or scope_q()")
        return self.filter(prefix_q(field, paths))


class Scopable(Protocol):
    """A queryset or manager with ``for_user`` (every domain model's)."""

    def for_user(self, user: Any, action: str = ...) -> models.QuerySet[Any]: ...


def get_in_scope(queryset: Scopable, user: Any, pk: Any, action: str = "view", own: Q | None = None) -> Any:
    """Fetch one object the user may act on; missing and out-of-scope look the same (404). ``own``: what makes a
    record the user's own (their application, their project), found whatever their organisation scope; the
    services still decide what the owner may do with it."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("记录不存在或您无权访问。")) from None
    obj = None
    if own is not None:
        if not isinstance(queryset, models.QuerySet):
            raise TypeError("get_in_scope(own=…) needs a queryset")
        obj = queryset.filter(own, pk=pk).first()
    if obj is None:
        obj = queryset.for_user(user, action).filter(pk=pk).first()
    if obj is None:
        raise Http404(_("记录不存在或您无权访问。"))
    return obj


def user_can(user: Any, action: str, path: str) -> bool:
    return path_in_scope(path, scope_paths(user, action))
