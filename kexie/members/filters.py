import django_filters as filters
from django.utils.translation import gettext_lazy as _

from kexie.core.scope import prefix_q
from kexie.members.models import Category, Membership, Status
from kexie.orgs.models import Organisation


class MembershipFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("姓名或会员号"), method="filter_q")
    society = filters.NumberFilter(label=_("学会"), method="filter_society")
    category = filters.ChoiceFilter(label=_("会员类别"), choices=Category.choices)
    status = filters.ChoiceFilter(label=_("状态"), choices=Status.choices)

    class Meta:
        model = Membership
        fields = ["q", "society", "category", "status"]

    def filter_q(self, queryset, name, value):
        value = value.strip()[:40]
        if not value:
            return queryset
        return queryset.filter(person__name__startswith=value) | queryset.filter(number=value)

    def filter_society(self, queryset, name, value):
        org = Organisation.objects.for_user(getattr(self.request, "user", None)).filter(pk=value).first()
        if org is None:
            return queryset.none()
        return queryset.filter(prefix_q("org_path", [org.path]))
