"""Shipped report forms, as data: one JSON file per preset (form code, name, description, period,
schema). ``install()`` creates the form with its schema as version 1, published."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kexie.core.services import SYSTEM
from kexie.core.text import join_list
from kexie.orgs.models import Organisation
from kexie.reports.models import FormVersion, ReportForm

DIR = Path(__file__).resolve().parent


def names() -> list[str]:
    return sorted(p.stem for p in DIR.glob("*.json"))


def load(name: str) -> dict[str, Any]:
    if name not in names():
        raise ValidationError(_("没有名为“%(n)s”的预置报表；可选：%(all)s。") % {"n": name, "all": join_list(names())})
    data: dict[str, Any] = json.loads((DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


def install(name: str, owner: Organisation, actor: Any = SYSTEM) -> FormVersion:
    """Create the preset's form (owned by ``owner``) and publish its schema as version 1. A form with
    the preset's code that already exists is left as it is and its latest published version returned."""
    from kexie.reports import services

    preset = load(name)
    existing = ReportForm.objects.filter(code=preset["code"]).first()
    if existing is not None:
        version = existing.versions.filter(status="published").order_by("-number").first()
        if version is None:
            raise ValidationError(_("报表“%(c)s”已存在但没有已发布的版本。") % {"c": preset["code"]})
        return version
    form = services.create_form(actor, owner=owner, code=preset["code"], name=preset["name"],
                                description=preset.get("description", ""), period=preset.get("period", "annual"),
                                schema=preset["schema"], note=_("预置报表"))
    version = form.versions.get(number=1)
    return services.publish(actor, version)
