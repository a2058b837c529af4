"""Writes of expert libraries: libraries, experts, availability, and declared conflicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kexie.calls.applications.services import _lock_app
from kexie.calls.common import _user
from kexie.calls.models import (
    Application,
    ConflictDeclaration,
    Expert,
    ExpertLibrary,
    ReviewAssignment,
)
from kexie.core.audit import log_action
from kexie.core.scope import user_can
from kexie.core.services import is_system, require
from kexie.orgs.models import Organisation
from kexie.people.models import Person


@transaction.atomic
def create_library(actor: Any, *, owner: Organisation, name: str, description: str = "") -> ExpertLibrary:
    require(actor, "calls.change", owner.path)
    if not name.strip():
        raise ValidationError(_("请填写专家库名称。"))
    lib = ExpertLibrary.objects.create(owner=owner, org_path=owner.path, name=name.strip()[:120],
                                       description=description[:4000])
    log_action(actor, "calls.library.created", lib, scope_path=lib.org_path)
    return lib


@transaction.atomic
def add_experts(actor: Any, library: ExpertLibrary, people: Iterable[Person], *, max_per_call: int = 20) -> int:
    library = ExpertLibrary.objects.select_for_update().get(pk=library.pk)
    require(actor, "calls.change", library.org_path)
    have = set(library.experts.values_list("person_id", flat=True))
    rows = [Expert(library=library, person=p, org_path=library.org_path, max_per_call=max_per_call)
            for p in people if p.pk not in have]
    Expert.objects.bulk_create(rows)
    log_action(actor, "calls.library.experts_added", library, scope_path=library.org_path,
               extra={"people": [e.person_id for e in rows]})
    return len(rows)


@transaction.atomic
def set_availability(actor: Any, expert: Expert, *, available: bool, until: dt.date | None = None,
                     max_per_call: int | None = None) -> Expert:
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    own = expert.person.user_id is not None and expert.person.user_id == getattr(actor, "pk", None)
    if not own:
        require(actor, "calls.change", expert.org_path)
    before = {"available": expert.available, "until": str(expert.unavailable_until or "")}
    expert.available, expert.unavailable_until = available, until
    if max_per_call is not None:
        if not 0 <= max_per_call <= 500:
            raise ValidationError(_("每批次最多评审数应在 0 到 500 之间。"))
        expert.max_per_call = max_per_call
    expert.save()
    log_action(actor, "calls.expert.availability", expert, scope_path=expert.org_path, before=before,
               after={"available": available, "until": str(until or "")})
    return expert


def can_declare(user: Any, app: Application, expert: Person) -> bool:
    return (expert.user_id is not None and expert.user_id == getattr(user, "pk", None)) or \
        user_can(user, "calls.change", app.call.org_path)


@transaction.atomic
def declare_conflict(actor: Any, app: Application, expert: Person, reason: str) -> ConflictDeclaration:
    """An expert declares a conflict (自行回避); an assignment of that application to them is released."""
    app = _lock_app(app)
    if not is_system(actor) and not can_declare(actor, app, expert):
        raise PermissionDenied(_("只有专家本人或批次主办单位可以申报回避。"))
    if not reason.strip():
        raise ValidationError(_("请说明回避理由。"))
    decl, created = ConflictDeclaration.objects.get_or_create(
        application=app, expert=expert,
        defaults={"reason": reason.strip()[:1000], "declared_by": _user(actor), "org_path": app.org_path})
    release = ReviewAssignment.WORKFLOW["release"]
    released = ReviewAssignment.objects.filter(application=app, expert=expert,
                                               status__in=release.sources).update(
        status=release.target, released_reason=reason.strip()[:1000])
    log_action(actor, "calls.conflict.declared", decl, scope_path=app.org_path,
               extra={"expert": expert.pk, "released": released, "new": created})
    return decl
