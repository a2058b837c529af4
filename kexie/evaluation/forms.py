from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kexie.evaluation.models import Stage


class RunForm(forms.Form):
    year = forms.IntegerField(label=_("评价年度"), min_value=2000, max_value=2100,
                              error_messages={"min_value": _("评价年度须在 2000 到 2100 之间。"),
                                              "max_value": _("评价年度须在 2000 到 2100 之间。"),
                                              "invalid": _("评价年度须为整数。"),
                                              "required": _("请填写评价年度。")})


class StartRunForm(RunForm):
    """The list page's 开始评价: a system the user may run and a year."""

    system = forms.TypedChoiceField(label=_("指标体系"), coerce=int, error_messages={
        "invalid_choice": _("请选择可以由您组织评价的指标体系。"), "required": _("请选择指标体系。")})
    field_order = ["system", "year"]

    def __init__(self, *args, systems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].choices = [(s.pk, s.name) for s in systems]


class FollowUpForm(forms.Form):
    stage = forms.ChoiceField(label=_("处理环节"))
    run = forms.TypedChoiceField(label=_("依据的评价"), coerce=int)
    decided_on = forms.DateField(label=_("决定日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("情况说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, stages, runs, **kwargs):
        super().__init__(*args, **kwargs)
        self.runs = {r.pk: r for r in runs}
        self.fields["stage"].choices = [(s, Stage(s).label) for s in stages]
        self.fields["run"].choices = [(r.pk, f"{r.system.name} {r.year}") for r in runs]

    def clean_run(self):
        return self.runs[self.cleaned_data["run"]]

    def clean_decided_on(self):
        day = self.cleaned_data["decided_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("决定日期不能晚于今天。"))
        return day


class YearForm(forms.Form):
    """The year of the expert-score grid (from the query string or the posted form); the default if absent."""

    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)


class ExpertScoresForm(forms.Form):
    """The expert-score grid: one value (``v-<org>-<indicator>``) and one note (``n-<org>-<indicator>``) per cell.
    The values are checked by ``services.enter_expert_score`` (range, decimals), which names the cell."""

    def __init__(self, *args, orgs, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = [(org, ind) for org in orgs for ind in indicators]
        for org, ind in self.cells:
            self.fields[f"v-{org.pk}-{ind.pk}"] = forms.CharField(required=False, max_length=40)
            self.fields[f"n-{org.pk}-{ind.pk}"] = forms.CharField(required=False, max_length=400)

    def entries(self):
        """(organisation, indicator, value text, note) of every filled cell."""
        for org, ind in self.cells:
            text = (self.cleaned_data.get(f"v-{org.pk}-{ind.pk}") or "").strip()
            if text:
                yield org, ind, text, (self.cleaned_data.get(f"n-{org.pk}-{ind.pk}") or "").strip()
