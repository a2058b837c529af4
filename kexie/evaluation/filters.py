"""The filters of a run's ranking, shared by the page and its export."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kexie.evaluation.models import Grade, Score


class AllYesNo(filters.widgets.BooleanWidget):
    """A yes/no filter whose empty choice reads 全部 (Django's reads 未知)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", _("全部")), ("true", _("是")), ("false", _("否")))


class ScoreFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("组织名称或编码"), method="filter_q")
    category = filters.ChoiceFilter(label=_("类别"), choices=[], empty_label=_("全部"))
    grade = filters.ChoiceFilter(label=_("等次"), choices=Grade.choices, empty_label=_("全部"))
    missing = filters.BooleanFilter(label=_("只看有缺失数据的"), method="filter_missing",
                                    widget=AllYesNo())

    class Meta:
        model = Score
        fields = ["q", "category", "grade", "missing"]

    def __init__(self, *args, run=None, **kwargs):
        super().__init__(*args, **kwargs)
        if run is not None:
            cats = Score.objects.filter(run=run).order_by("category").values_list("category", flat=True).distinct()
            self.filters["category"].extra["choices"] = [(c, gettext(c)) for c in cats]

    def filter_q(self, queryset, name, value):
        value = value.strip()[:60]
        if not value:
            return queryset
        return queryset.filter(organisation__name__contains=value) | queryset.filter(organisation__code=value)

    def filter_missing(self, queryset, name, value):
        return queryset.filter(missing_count__gt=0) if value else queryset
