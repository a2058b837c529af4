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
