"""Forms of expert libraries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.calls.formfields import choice_filter, search_filter
from kexie.orgs.widgets import OrgPickerField


class AddExpertsForm(forms.Form):
    people = forms.CharField(label=_("人员编号"), max_length=4000,
                             error_messages={"required": _("部分人员不存在或不在您的范围内。")})

    def clean_people(self) -> list[int]:
        given = [x.strip() for x in self.cleaned_data["people"].replace("，", ",").split(",") if x.strip()]
        ids = [int(x) for x in given if x.isdigit() and 0 < int(x) < 2**63]
        if len(ids) != len(given) or not ids:
            raise forms.ValidationError(_("部分人员不存在或不在您的范围内。"))
        return ids


class AvailabilityForm(forms.Form):
    available = forms.ChoiceField(label=_("可参加评审"), required=False, choices=[("1", _("是")), ("0", _("否"))])
    until = forms.DateField(label=_("暂停至"), required=False, error_messages={"invalid": _("日期或数量格式有误。")})
    max_per_call = forms.IntegerField(label=_("每批次最多评审数"), required=False, min_value=0, max_value=500,
                                      error_messages={"invalid": _("日期或数量格式有误。"),
                                                      "min_value": _("每批次最多评审数应在 0 到 500 之间。"),
                                                      "max_value": _("每批次最多评审数应在 0 到 500 之间。")})

class LibraryForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    description = forms.CharField(label=_("说明"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class OwnerForm(forms.Form):
    owner = OrgPickerField(label=_("管理单位"), action="calls.change",
                           error_messages={"required": _("请选择管理单位。"),
                                           "unknown": _("找不到“%(text)s”。请选择管理单位。")})

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, OrgPickerField)
        field.set_scope(owners)


class LibraryListFilter(forms.Form):
    q = search_filter(_("名称"))


class ExpertListFilter(forms.Form):
    """The filters of a library's experts."""

    q = search_filter(_("姓名或单位"))
    available = choice_filter(_("可参加评审"), [("1", _("是")), ("0", _("否"))])
