import django_filters as filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from kexie.core.scope import prefix_q
from kexie.orgs.models import Organisation
from kexie.people.models import Education, Gender, Person, PersonDiscipline, TitleLevel


class PersonFilter(filters.FilterSet):
    """One filter set for the people page, its export and the API."""

    q = filters.CharFilter(label=_("关键词"), method="filter_q", help_text=_("姓名、单位、专业特长"))
    org = filters.NumberFilter(label=_("组织"), method="filter_org")
    gender = filters.ChoiceFilter(label=_("性别"), choices=Gender.choices)
    title_level = filters.ChoiceFilter(label=_("职称级别"), choices=TitleLevel.choices[1:])
    education = filters.ChoiceFilter(label=_("学历"), choices=Education.choices[1:])
    discipline = filters.CharFilter(label=_("学科代码"), method="filter_discipline")
    born_after = filters.DateFilter(label=_("出生不早于"), field_name="birth_date", lookup_expr="gte")
    born_before = filters.DateFilter(label=_("出生不晚于"), field_name="birth_date", lookup_expr="lte")

    class Meta:
        model = Person
        fields = ["q", "org", "gender", "title_level", "education", "discipline", "born_after", "born_before"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.search(value)

    def filter_org(self, queryset, name, value):
        # The organisation itself must be in the caller's scope, else the filter matches nothing.
        user = getattr(self.request, "user", None)
        org = Organisation.objects.for_user(user, "people.view").filter(pk=value).first()
        if org is None:
            return queryset.none()
        return queryset.filter(prefix_q("org_path", [org.path]))

    def filter_discipline(self, queryset, name, value):
        value = value.strip()[:7]
        if not value.isdigit():
            return queryset.none()
        sub = PersonDiscipline.objects.filter(person=OuterRef("pk"), discipline__code__startswith=value)
        return queryset.filter(Exists(sub))
