import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kexie.core.text import join_list
from kexie.core.validators import (
    clean_id_number,
    clean_phone,
)
from kexie.orgs.models import Organisation
from kexie.orgs.widgets import OrgPickerField
from kexie.people.fields import (
    MAX_HONOUR_LENGTH,
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    KeywordListField,
    LinesField,
)
from kexie.people.models import Discipline, Person
from kexie.people.services import check_birth_date


class PersonForm(forms.ModelForm):
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    expertise_text = KeywordListField(
        label=_("专业特长"), max_length=600, max_count=MAX_KEYWORDS, max_item_length=MAX_KEYWORD_LENGTH,
        help_text=_("多个关键词用逗号或顿号分隔"),
    )
    honours_text = LinesField(label=_("荣誉"), max_length=2000, max_item_length=MAX_HONOUR_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 2}), help_text=_("每行一项"))
    org = OrgPickerField(label=_("所属组织"), action="people.change")
    employer = OrgPickerField(label=_("工作单位（平台内）"), action="people.view", required=False)
    discipline_codes = forms.ModelMultipleChoiceField(
        label=_("学科（第一项为主学科）"), queryset=Discipline.objects.all(), required=False, to_field_name="code",
    )

    class Meta:
        model = Person
        fields = ["name", "gender", "birth_date", "ethnicity", "email", "org", "employer", "employer_name", "position",
                  "title", "title_level", "education", "bio", "public_profile"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}), "bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].set_scope(Organisation.objects.for_user(user, "people.change").alive())
        self.fields["employer"].set_scope(Organisation.objects.for_user(user, "people.view").alive())
        self.fields["employer"].help_text = _("工作单位已在平台登记时选择；否则填写下方的工作单位名称")
        self.fields["birth_date"].widget.attrs.update({"min": "1900-01-01", "max": timezone.localdate().isoformat()})
        if self.instance.pk:
            # The full values never reach the page (a way around the reveal log): the fields start empty with
            # the mask as a placeholder; a value typed in replaces the old one, "清除" removes it.
            for name, masked in (("id_number", self.instance.id_number_masked),
                                 ("phone", self.instance.phone_masked)):
                if masked:
                    self.fields[name].widget.attrs["placeholder"] = masked
                    self.fields[name].help_text = _("已登记：%(mask)s。留空则保持不变，填写新值则替换。") % {
                        "mask": masked}
                    self.fields[f"clear_{name}"] = forms.BooleanField(
                        label=_("清除已登记的%(field)s") % {"field": self.fields[name].label}, required=False)
            self.fields["expertise_text"].initial = join_list(self.instance.expertise)
            self.fields["honours_text"].initial = "\n".join(self.instance.honours)
            self.fields["discipline_codes"].initial = [d.code for d in self.instance.disciplines.all()]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if any(c in name for c in "<>\"'&;"):
            raise forms.ValidationError(_("姓名中包含不允许的字符。"))
        return name

    def clean_birth_date(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("birth_date")
        if value is not None:
            check_birth_date(value)
        return value

    def clean_id_number(self) -> str:
        return clean_id_number(self.cleaned_data.get("id_number", ""))

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def service_data(self) -> dict:
        data = {f: self.cleaned_data[f] for f in self.Meta.fields}
        for name in ("id_number", "phone"):
            value = self.cleaned_data[name]
            if value or not self.instance.pk or self.cleaned_data.get(f"clear_{name}"):
                data[name] = value  # a new value, a new record, or an explicit clear
        data["expertise"] = self.cleaned_data["expertise_text"]
        data["honours"] = self.cleaned_data["honours_text"]
        return data
