import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kexie.core.validators import (
    clean_id_number,
    clean_phone,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)
from kexie.members.models import Category, Status
from kexie.members.models_joining import JOINABLE_KINDS
from kexie.orgs.models import Organisation
from kexie.orgs.widgets import OrgPickerField


def _date() -> forms.DateInput:
    """A browser date picker; its value in ISO form whatever the interface language (a type=date input shows
    nothing for "2026/12/08")."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ApproveForm(forms.Form):
    number = forms.CharField(label=_("会员号"), max_length=40)
    joined_on = forms.DateField(label=_("入会日期"), initial=dt.date.today, widget=_date())
    dues_paid_through = forms.DateField(label=_("会费缴至"), required=False,
                                        widget=_date())


class DuesForm(forms.Form):
    through = forms.DateField(label=_("会费缴至"), widget=_date())


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label=_("新类别"), choices=Category.choices)
    on = forms.DateField(label=_("变更日期"), initial=dt.date.today, widget=_date())
    note = forms.CharField(label=_("说明"), max_length=150, required=False)  # services.CATEGORY_NOTE_LIMIT


class EndForm(forms.Form):
    kind = forms.ChoiceField(label=_("终止方式"), choices=[(Status.WITHDRAWN, _("退会")), (Status.EXPELLED, _("除名"))])
    on = forms.DateField(label=_("终止日期"), initial=dt.date.today, widget=_date())
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不予批准的理由"), max_length=200)


# ---- 添加会员 (decision 0044) --------------------------------------------------------------------------------
def _clean_name(value: str) -> str:
    name = " ".join(value.split())
    if any(c in name for c in "<>\"'&;"):
        raise forms.ValidationError(_("姓名中包含不允许的字符。"))
    return name


class FindForm(forms.Form):
    """Step one: which society, and who — searched in the registry before anyone is created."""

    # suggestions by kind category (学会 and its branches); a 农技协 typed by name or code resolves on submit too
    society = OrgPickerField(label=_("学会"), action="members.change", kinds=("society",))
    name = forms.CharField(label=_("姓名"), max_length=40, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        society = self.fields["society"]
        assert isinstance(society, OrgPickerField)
        society.set_scope(Organisation.objects.for_user(user, "members.change").alive().filter(
            kind__code__in=JOINABLE_KINDS))

    def clean_name(self) -> str:
        return _clean_name(self.cleaned_data.get("name", ""))

    def clean_id_number(self) -> str:
        return clean_id_number(self.cleaned_data.get("id_number", ""))

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (data.get("name") or data.get("id_number") or data.get("phone")):
            raise forms.ValidationError(_("请填写姓名、身份证号或手机号中的至少一项。"))
        return data


class JoinForm(forms.Form):
    """Step two: the membership itself."""

    category = forms.ChoiceField(label=_("会员类别"), choices=Category.choices, initial=Category.MEMBER)
    joined_on = forms.DateField(label=_("入会日期"), widget=_date())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["joined_on"].initial = today
        self.fields["joined_on"].widget.attrs.update({"max": today.isoformat(), "min": "1950-01-01"})


class NewPersonForm(forms.Form):
    """A person not in the registry: the fewest fields a record needs (decision 0044)."""

    new_name = forms.CharField(label=_("姓名"), max_length=40)
    new_id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "off"}))
    new_phone = forms.CharField(label=_("手机号"), max_length=20, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    new_employer = forms.CharField(label=_("工作单位"), max_length=120, required=False)

    def clean_new_name(self) -> str:
        return _clean_name(self.cleaned_data.get("new_name", ""))

    def clean_new_id_number(self) -> str:
        value = normalize_id_number(self.cleaned_data.get("new_id_number", ""))
        if value:
            validate_id_number(value)
        return value

    def clean_new_phone(self) -> str:
        value = normalize_phone(self.cleaned_data.get("new_phone", ""))
        if value:
            validate_phone(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (data.get("new_id_number") or data.get("new_phone")):
            raise forms.ValidationError(_("请填写身份证号或手机号，以便识别人员。"))
        return data
