import django_filters as filters
from django.utils.translation import gettext_lazy as _

from kexie.orgs.models import Level, Organisation, OrgKind, OrgStatus


class OrganisationFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("名称"), method="filter_q")
    kind = filters.ModelChoiceFilter(label=_("类型"), queryset=OrgKind.objects.all(), field_name="kind")
    level = filters.ChoiceFilter(label=_("层级"), choices=Level.choices)
    status = filters.ChoiceFilter(label=_("状态"), choices=OrgStatus.choices)

    class Meta:
        model = Organisation
        fields = ["q", "kind", "level", "status"]

    def filter_q(self, queryset, name, value):
        value = value.strip()[:60]
        return queryset.filter(name__contains=value) if value else queryset
