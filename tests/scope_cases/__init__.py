"""Scope-table entries per module, merged into tests/test_scope.py's TABLE and b_records.

Each module here defines ``TABLE`` (URL name -> (kind, record key), as in test_scope.py) and
``records(province) -> dict`` returning the city-B records its "detail"/"change" entries aim at.
A module added here is picked up automatically, so several modules can add pages without
touching test_scope.py."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

MODULES = [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]


def tables() -> dict[str, tuple[str, str | None]]:
    merged: dict[str, tuple[str, str | None]] = {}
    for module in MODULES:
        clash = set(merged) & set(module.TABLE)
        assert not clash, f"{module.__name__} repeats {clash}"
        merged.update(module.TABLE)
    return merged


def record_builders() -> list[Callable[[Any], dict[str, Any]]]:
    return [module.records for module in MODULES]
