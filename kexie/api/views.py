"""Read endpoints, each scoped to the caller through ``for_user`` (out of scope = 404)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from rest_framework import viewsets

from kexie.api import serializers
from kexie.members.filters import MembershipFilter
from kexie.members.models import Membership
from kexie.orgs.filters import OrganisationFilter
from kexie.orgs.models import Organisation
from kexie.people.filters import PersonFilter
from kexie.people.models import Person


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet[Organisation]):
    serializer_class = serializers.OrganisationSerializer
    filterset_class = OrganisationFilter

    def get_queryset(self) -> QuerySet[Organisation]:
        parent = Organisation.objects.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organisation.steplen)
        ).values("id")[:1]
        # The tree's manager comes from django-treebeard, which ships no type information.
        qs: QuerySet[Organisation] = (Organisation.objects.for_user(self.request.user).alive()
                                      .select_related("kind", "region"))
        return qs.annotate(parent_id=Subquery(parent))


class PersonViewSet(viewsets.ReadOnlyModelViewSet[Person]):
    serializer_class = serializers.PersonSerializer
    filterset_class = PersonFilter

    def get_queryset(self) -> QuerySet[Person]:
        return Person.objects.for_user(self.request.user).alive().select_related("org").order_by("-id")


class MembershipViewSet(viewsets.ReadOnlyModelViewSet[Membership]):
    serializer_class = serializers.MembershipSerializer
    filterset_class = MembershipFilter

    def get_queryset(self) -> QuerySet[Membership]:
        qs = Membership.objects.for_user(self.request.user).filter(deleted_at__isnull=True)
        return qs.select_related("person", "society").order_by("-id")
