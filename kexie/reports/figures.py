"""Figures out of submissions, for aggregation (``SubmissionValue``) and for evaluation sources.

A figure key is a number field's key, ``<table>.rows`` for the number of rows of a table field, or
``<table>.<column>`` for the sum of a number column of a table field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kexie.reports.models import Campaign, Submission, SubmissionStatus

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


def latest_campaign(form_code: str, year: int) -> Campaign | None:
    """The most recent campaign of a form for a year (a form is normally run once a year)."""
    return (Campaign.objects.filter(version__form__code=form_code, year=year)
            .order_by("-created_at", "-pk").first())


def report_values(form_code: str, year: int, keys: Iterable[str], org_ids: Iterable[int] | None = None,
                  statuses: Iterable[str] = (SubmissionStatus.ACCEPTED,)) -> dict[int, dict[str, float | None]]:
    """Figures by organisation id from the accepted submissions of ``form_code``'s campaign for
    ``year``. An organisation without an accepted submission is absent from the result (the caller
    decides how missing data counts); a figure left empty is None."""
    campaign = latest_campaign(form_code, year)
    if campaign is None:
        return {}
    keys = list(keys)
    qs = Submission.objects.filter(campaign=campaign, status__in=list(statuses))
    if org_ids is not None:
        qs = qs.filter(organisation_id__in=list(org_ids))
    return {org_id: {k: figure(data, k) for k in keys} for org_id, data in qs.values_list("organisation_id", "data")}
