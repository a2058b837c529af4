"""Filters of the calls API (year, type, status of calls; call and status of applications and projects)."""

import django_filters as filters

from kexie.calls.models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    CallType,
    Project,
    ProjectStatus,
)
from kexie.core.filters import IdFilter, YearFilter


class CallFilter(filters.FilterSet):
    year = YearFilter()
    type = filters.ChoiceFilter(choices=CallType.choices)
    status = filters.ChoiceFilter(choices=CallStatus.choices)

    class Meta:
        model = Call
        fields = ["year", "type", "status"]


class ApplicationFilter(filters.FilterSet):
    call = IdFilter(field_name="call_id")
    status = filters.ChoiceFilter(choices=ApplicationStatus.choices)

    class Meta:
        model = Application
        fields = ["call", "status"]


class ProjectFilter(filters.FilterSet):
    call = IdFilter(field_name="call_id")
    status = filters.ChoiceFilter(choices=ProjectStatus.choices)

    class Meta:
        model = Project
        fields = ["call", "status"]
