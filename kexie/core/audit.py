"""``log_action`` writes one audit row; ``snapshot`` turns a record into masked, JSON-safe data; ``describe`` says
in words what an audit code means.

Audit codes (``app.model.verb``) are declared by the app that writes them: a dict ``AUDIT_CODES`` of code →
Chinese description (``gettext_lazy``) in ``kexie/<app>/audit.py``. ``audit_codes()`` collects them from every
installed app, and history pages show ``describe(code)`` instead of the raw code. tests/test_services_skeleton.py
fails for a code used in ``log_action`` that no app describes (decision 0023).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import importlib
from collections.abc import Iterable
from typing import Any

from django.apps import apps
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
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
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


# ---- the registry of audit codes -------------------------------------------------------------------------------
@functools.cache
def audit_codes() -> dict[str, Any]:
    """Every installed app's ``AUDIT_CODES`` (from its ``audit`` module), merged: code → lazy description. A code
    declared twice with different descriptions is an error of the declarations."""
    codes: dict[str, Any] = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.audit"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for code, text in getattr(module, "AUDIT_CODES", {}).items():
            if code in codes and str(codes[code]) != str(text):
                raise ValueError(f"audit code {code!r} is described twice")
            codes[code] = text
    return codes


def describe(code: str) -> str:
    """The description of an audit code in the interface language; the code itself when no app declares it."""
    text = audit_codes().get(code)
    return str(text) if text is not None else code
