"""Figures of a form's data: what rules compute with, what reports aggregate and evaluations read.

A figure key is a number field's key, ``<table>.rows`` for the number of rows of a table field, or
``<table>.<column>`` for the sum of a number column of a table field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ROWS = "rows"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def figure(data: Mapping[str, Any], key: str) -> float | None:
    """One figure of a submission's data; None when the organisation left it empty."""
    if key in data and not isinstance(data[key], list):
        return _number(data[key])
    table, _, column = key.partition(".")
    rows = data.get(table)
    if not column or not isinstance(rows, list):
        return None
    if column == ROWS:
        return float(len(rows))
    values = [_number(row.get(column)) for row in rows if isinstance(row, dict)]
    present = [v for v in values if v is not None]
    return float(sum(present)) if present else (0.0 if not rows else None)


def all_figures(data: Mapping[str, Any]) -> dict[str, float]:
    """Every numeric figure of a submission's data (for ``SubmissionValue``)."""
    out: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, list):
            out[f"{key}.{ROWS}"] = float(len(value))
            columns: dict[str, float] = {}
            for row in value:
                if not isinstance(row, dict):
                    continue
                for col, cell in row.items():
                    number = _number(cell) if not isinstance(cell, str) or cell.strip() else None
                    if number is not None and not isinstance(cell, dict):
                        columns[col] = columns.get(col, 0.0) + number
            out.update({f"{key}.{col}": total for col, total in columns.items()})
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = float(value)
    return out
