from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kexie.members.models import Membership
from kexie.orgs.models import Organisation
from kexie.people.models import Person


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    kind = serializers.CharField(source="kind.name")
    region = serializers.CharField(source="region.code", allow_null=True, default=None)
    # The stubs type ``Field.parent`` (the enclosing serializer); a declared field of that name is
    # moved into ``_declared_fields`` by the serializer's metaclass, so the two never meet.
    parent = serializers.IntegerField(  # type: ignore[assignment]
        source="parent_id", allow_null=True, read_only=True, help_text=_("上级组织 id（顶级组织为 null）"))

    class Meta:
        model = Organisation
        fields = ["id", "code", "name", "short_name", "kind", "level", "region", "uscc", "status", "grade",
                  "sector", "founded_on", "depth", "parent", "contact_name", "address"]


class PersonSerializer(serializers.ModelSerializer[Person]):
    """Identifiers are always masked here; full values only through the logged reveal action."""

    id_number = serializers.CharField(source="id_number_masked")
    phone = serializers.CharField(source="phone_masked")
    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField(source="org.name")

    class Meta:
        model = Person
        fields = ["id", "name", "gender", "birth_date", "id_number", "phone", "email", "org", "org_name",
                  "employer_name", "position", "title", "title_level", "education", "expertise", "public_profile"]


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    person_name = serializers.CharField(source="person.name")
    society_name = serializers.CharField(source="society.name")

    class Meta:
        model = Membership
        fields = ["id", "person", "person_name", "society", "society_name", "category", "number", "status",
                  "applied_on", "joined_on", "dues_paid_through", "ended_on"]
