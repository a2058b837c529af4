"""Read endpoints of 数字科创: technology needs and service records.

Needs: as on the pages (``services.visible_q``); the enterprise's contact details are never included. Service records: in scope (the serving
society or the need's association)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from kexie.innovation.models import Need, ServiceRecord
from kexie.innovation.needs.filters import NeedFilter, ServiceRecordFilter
from kexie.innovation.needs.services import visible_q


class NeedSerializer(serializers.ModelSerializer[Need]):
    enterprise_name = serializers.CharField(source="enterprise.name", default=None)
    region = serializers.CharField(source="region.code", default=None)

    class Meta:
        model = Need
        fields = ["id", "code", "title", "description", "industry", "region", "kind", "budget", "deadline",
                  "confidentiality", "enterprise", "enterprise_name", "owner", "status", "status_reason", "outcome",
                  "submitted_at", "published_at", "closed_at"]


class ServiceRecordSerializer(serializers.ModelSerializer[ServiceRecord]):
    society_name = serializers.CharField(source="society.name", default=None)
    expert_name = serializers.CharField(source="expert.name", default=None)

    class Meta:
        model = ServiceRecord
        fields = ["id", "society", "society_name", "expert", "expert_name", "enterprise", "enterprise_name", "need",
                  "kind", "source", "served_on", "outcome", "rating"]


class NeedViewSet(viewsets.ReadOnlyModelViewSet[Need]):
    serializer_class = NeedSerializer
    filterset_class = NeedFilter

    def get_queryset(self) -> QuerySet[Need]:
        user = self.request.user
        qs: QuerySet[Need] = Need.objects.alive().filter(visible_q(user)).distinct()
        return qs.select_related("enterprise", "region").order_by("-id")


class ServiceRecordViewSet(viewsets.ReadOnlyModelViewSet[ServiceRecord]):
    serializer_class = ServiceRecordSerializer
    filterset_class = ServiceRecordFilter

    def get_queryset(self) -> QuerySet[ServiceRecord]:
        return (ServiceRecord.objects.for_user(self.request.user).select_related("society", "expert")
                .order_by("-served_on", "-id"))
