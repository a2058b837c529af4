"""Filter fields for ids and years with the bounds the database holds: a malformed or out-of-range value is a
validation error (400 with the field's Chinese message), never a query the database cannot run."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms

from kexie.core.http import MAX_ID


class IdFilter(filters.NumberFilter):  # type: ignore[misc]  # django-filter ships no type information
    """A record id (foreign key): a whole number from 1 to the largest bigint."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class YearFilter(filters.NumberFilter):  # type: ignore[misc]  # django-filter ships no type information
    """A calendar year, 1–9999 (what a date can hold)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)
