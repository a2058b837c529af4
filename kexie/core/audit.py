"""``log_action`` writes one audit row; ``snapshot`` turns a record into masked, JSON-safe data."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation

from kexie.core.crypto import mask_id_number, mask_phone
from kexie.core.models import AuditEntry

MASKERS = {"id_number": mask_id_number, "phone": mask_phone}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Values of ``fields`` keyed by verbose name, with personal data masked. The record is the
    same whatever the actor's interface language: names are stored in Chinese (the source strings)
    and translated when shown (``AuditEntry.changes``)."""
    with translation.override(None):
        return _snapshot(obj, fields)


def _snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            target = getattr(obj, name)
            value = str(target) if target is not None else None
        else:
            value = getattr(obj, name)
        if name in MASKERS and value:
            value = MASKERS[name](value)
        data[str(getattr(field, "verbose_name", name))] = _jsonable(value)
    return data


def log_action(
    actor: Any,
    action: str,
    obj: models.Model,
    *,
    scope_path: str,
    before: dict | None = None,
    after: dict | None = None,
    extra: dict | None = None,
) -> AuditEntry:
    data: dict[str, Any] = {}
    if before is not None:
        data["before"] = before
    if after is not None:
        data["after"] = after
    if extra:
        data.update(extra)
    return AuditEntry.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        scope_path=scope_path,
        data=data,
    )


def history_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return AuditEntry.objects.filter(content_type=ct, object_id=obj.pk).select_related("actor")
