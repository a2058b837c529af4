"""The import kinds, as the apps declare them (``import_kinds`` in their ``apps.py``, read by
``kexie.core.registry.import_kinds()``): the page, the templates, ``kexie import {kind}`` and the services ask
here. The built-in kinds' code lives beside this file, one module per owning app (orgs, people, members):
it is built on the shared pipeline (``kexie.imports.apply``, ``validate``, ``spec``), which the domain apps
need not import.

An unknown code (a kind whose module is not installed, a forged form value) is refused with a Chinese
message, never a server error."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kexie.core.registry import ImportKind, import_kinds

if TYPE_CHECKING:
    from kexie.imports.apply import Importer
    from kexie.imports.spec import Spec


def kinds() -> list[ImportKind]:
    """The installed kinds, in page order."""
    return list(import_kinds().values())


def get(code: str) -> ImportKind:
    """The kind with this code; ``ValidationError`` (Chinese) for a code no installed app declares."""
    kind = import_kinds().get(code)
    if kind is None:
        raise ValidationError(_("不支持的导入内容。"))
    return kind


def find(code: str) -> ImportKind | None:
    return import_kinds().get(code)


def spec(code: str) -> Spec:
    result: Spec = get(code).load_spec()
    return result


def importer(code: str) -> type[Importer]:
    result: type[Importer] = get(code).load_importer()
    return result


def label(code: str) -> Any:
    """The kind's label; the stored code itself for a batch of a kind no longer installed."""
    kind = import_kinds().get(code)
    return kind.label if kind is not None else code


def choices() -> list[tuple[str, Any]]:
    return [(k.code, k.label) for k in kinds()]
