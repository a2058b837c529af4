"""Filters of the 数字科创 API: needs by status, kind, industry; service records by year and society."""

import django_filters as filters

from kexie.core.filters import IdFilter, YearFilter
from kexie.innovation.models import Need, NeedKind, NeedStatus, ServiceRecord


class NeedFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=NeedStatus.choices)
    kind = filters.ChoiceFilter(choices=NeedKind.choices)
    industry = filters.CharFilter()

    class Meta:
        model = Need
        fields = ["status", "kind", "industry"]


class ServiceRecordFilter(filters.FilterSet):
    year = YearFilter(field_name="served_on", lookup_expr="year")
    society = IdFilter(field_name="society_id")
    expert = IdFilter(field_name="expert_id")

    class Meta:
        model = ServiceRecord
        fields = ["year", "society", "expert"]
