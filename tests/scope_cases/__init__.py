"""Scope-table entries per module, merged into tests/test_scope.py's TABLE and b_records.

Each module here defines ``TABLE`` (URL name -> (kind, record key), as in test_scope.py) and
``records(province) -> dict`` returning the city-B records its "detail"/"change" entries aim at (and that
every list, export and API list is searched for).
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


# Optional per module: OWNERS (record key -> the demo user whose own record it is, when not demo-city-b: an
# enterprise's need, a scientist's application), OWN_PAGES (URL name -> (status, a text the page shows) where that
# user's GET of a detail page is not a plain 200), PUBLIC_LISTS (URL name -> why: a list of records public by design
# that names their owner organisation, so organisation names are not a leak there; links still are) and
# QUERY_CEILINGS (URL name -> (queries, why) for a list page that needs more than the default ceiling of
# tests/test_scope.py).


def groups() -> dict[str, str]:
    """URL name -> the module that lists it (one parametrized case per module in tests/test_scope.py)."""
    return {name: module.__name__.rsplit(".", 1)[-1] for module in MODULES for name in module.TABLE}


def _merged(attr: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for module in MODULES:
        merged.update(getattr(module, attr, {}))
    return merged


def owners() -> dict[str, str]:
    return _merged("OWNERS")


def own_pages() -> dict[str, tuple[int, str]]:
    return _merged("OWN_PAGES")


def query_ceilings() -> dict[str, tuple[int, str]]:
    return _merged("QUERY_CEILINGS")


def public_lists() -> dict[str, str]:
    return _merged("PUBLIC_LISTS")
