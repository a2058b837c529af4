"""Figures out of submissions, for aggregation (``SubmissionValue``) and for evaluation sources.

A figure key is a number field's key, ``<table>.rows`` for the number of rows of a table field, or
``<table>.<column>`` for the sum of a number column of a table field; computing one from a form's data is
``kexie.formkit.figures`` (re-exported here for the reports code that reads submissions).
"""

from __future__ import annotations

from collections.abc import Iterable

from kexie.formkit.figures import ROWS, all_figures, figure
from kexie.reports.models import Campaign, Submission, SubmissionStatus

__all__ = ["ROWS", "all_figures", "figure", "latest_campaign", "report_values"]


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
