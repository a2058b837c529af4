"""The one scope helper (SPEC §2.1): what a user may see and change is the subtree of the
organisations where they hold a role, and nothing else.

Each user's reachable scope is precomputed per action as a minimal list of materialised-path
prefixes (``User.scope_cache``, rebuilt by ``kexie.accounts.services.rebuild_scope``), so a scope
check is a byte-order range filter on an indexed path column: no walk of the tree per request.

Usage::

    Organisation.objects.for_user(request.user, "view")
    get_in_scope(Person.objects, request.user, pk)          # 404 when missing *or* out of scope
    Achievement.objects.for_public()                        # what anonymous visitors see (the model's public_q)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, Self, TypeVar

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

# The key of ``User.scope_cache`` listing the actions whose prefixes hold every root of the organisation tree.
# ``kexie.accounts.services.compute_scope`` writes it (and rebuilds it when a root is added or removed), so that
# this module needs no query and no import of the organisation tree (core imports no domain app; decision 0020).
EVERY_ROOT = "every_root"
# The key of ``User.scope_cache`` holding ``kexie.core.permissions.fingerprint()`` of the actions it was built for.
ACTIONS_VERSION = "actions_version"


def minimal_prefixes(paths: Iterable[str]) -> list[str]:
    """Drop every path that lies under another path in the set."""
    kept: list[str] = []
    for p in sorted(set(paths)):
        if not kept or not p.startswith(kept[-1]):
            kept.append(p)
    return kept


def scope_paths(user: Any, action: str = "orgs.view") -> list[str] | None:
    """``None`` means unrestricted (superuser, or roles at the top of every tree); ``[]`` means nothing.
    ``action`` is a module action (``people.view``; kexie.core.permissions, decision 0025): an unknown one raises
    ``ValueError``, so a typo or a bare verb fails instead of reading as "nothing"."""
    from kexie.core.permissions import resolve

    action = resolve(action)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cache = user.scope_cache or {}
    if action in cache.get(EVERY_ROOT, ()):
        return None  # a role at the top of every tree reaches every record: no filter at all
    return list(cache.get(action, []))


def model_action(model: Any, action: str) -> str:
    """A bare verb on a model's queryset is the model's module action (``Person`` + ``view`` →
    ``people.view``; the module is the model's ``scope_module`` or its app label)."""
    if "." in action:
        return action
    module = getattr(model, "scope_module", None) or model._meta.app_label
    return f"{module}.{action}"


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
        paths = scope_paths(user, model_action(self.model, action))
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

    def for_public(self) -> Self:
        """What an anonymous visitor may see: the rows of the model's ``public_q()`` classmethod (a published call,
        a published public need, a published achievement; never a draft, a deleted row or a confidential one).
        A model that declares no ``public_q`` shows nothing (default deny). The one rule beside ``for_user`` for
        every public page, whoever is signed in."""
        public_q = getattr(self.model, "public_q", None)
        if public_q is None:
            return self.none()
        q = public_q()
        if not isinstance(q, Q):
            raise TypeError(f"{self.model.__name__}.public_q() must return a Q")
        return self.filter(q)


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
