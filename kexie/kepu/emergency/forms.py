"""Forms of 应急科普: the incident form (the approver chosen by name from those who may approve), the list's
filters and the expert's after-review decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.kepu.emergency.incidents import DEFAULT_HOURS, MAX_HOURS, MIN_HOURS
from kexie.kepu.models import IncidentKind, IncidentStatus


class IncidentForm(forms.Form):
    org = forms.TypedChoiceField(label=_("响应单位"), coerce=int, choices=())
    kind = forms.ChoiceField(label=_("事件类型"), choices=IncidentKind.choices)
    title = forms.CharField(label=_("事件名称"), max_length=120)
    summary = forms.CharField(label=_("事件说明"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("事件概况和科普应对重点，可不填。"))
    approver = forms.TypedChoiceField(label=_("快速发布审批人"), coerce=int, choices=(),
                                      help_text=_("只有此人可以应急快速发布本事件的作品；须对响应单位有应急发布或编辑发布权限。"))
    after_review_hours = forms.IntegerField(label=_("事后审核时限（小时）"), min_value=MIN_HOURS, max_value=MAX_HOURS,
                                            initial=DEFAULT_HOURS,
                                            help_text=_("快速发布后须在此时限内完成专家事后审核，逾期自动上报督办。"))

    def __init__(self, *args: Any, orgs: list[Any] | None = None, approvers: list[tuple[Any, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if orgs is None:
            del self.fields["org"]
        else:
            org_field = self.fields["org"]
            assert isinstance(org_field, forms.TypedChoiceField)
            org_field.choices = [(o.pk, o.name) for o in orgs]
        field = self.fields["approver"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *((u.pk, f"{u}（{place}）") for u, place in approvers or [])]


class IncidentFilter(forms.Form):
    q = forms.CharField(label=_("事件名称"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("事件类型"), choices=[("", _("全部")), *IncidentKind.choices], required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *IncidentStatus.choices], required=False)

    def values(self) -> dict[str, Any]:
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}
