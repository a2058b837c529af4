"""Forms of 科普中国信息员: registration (the organisation by the public picker), the ranking's query (lenient: a
bad value falls back, never an error page), the staff list's filters and the point-rule formset."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kexie.kepu.models import PointAction
from kexie.kepu.officers.ranking import TOP_DEFAULT, TOP_MAX
from kexie.orgs.models import Level, Region
from kexie.orgs.widgets import OrgPickerField, public_choices

REGION_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY)


def region_queryset() -> Any:
    return Region.objects.filter(level__in=REGION_LEVELS).order_by("code")


class JoinForm(forms.Form):
    org = OrgPickerField(label=_("所属科协或学会"), public=True)
    display_name = forms.CharField(label=_("昵称"), max_length=40,
                                   help_text=_("排行榜上只显示昵称的第一个字，例如“张＊”。"))
    region = forms.ModelChoiceField(label=_("所在地区"), queryset=Region.objects.none(), required=False,
                                    empty_label=_("（不选）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.fields["org"]
        assert isinstance(org, OrgPickerField)
        org.set_scope(public_choices())
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = region_queryset()


class RankingForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
    n = forms.IntegerField(min_value=1, max_value=TOP_MAX, required=False)
    region = forms.RegexField(regex=r"^\d{6}(\d{3}(\d{3})?)?$", required=False)

    def values(self) -> tuple[int, int, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        year = data.get("year") or timezone.localdate().year
        return int(year), int(data.get("n") or TOP_DEFAULT), str(data.get("region") or "")


class OfficerFilter(forms.Form):
    q = forms.CharField(label=_("昵称或编号"), max_length=40, required=False)
    active = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部")), ("1", _("有效")), ("0", _("已停用"))])
    year = forms.IntegerField(label=_("积分年度"), min_value=2000, max_value=2100, required=False)

    def values(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"q": (data.get("q") or "").strip(), "active": data.get("active") or "",
                "year": int(data.get("year") or timezone.localdate().year)}


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(choices=[("0", "0"), ("1", "1")], coerce=lambda v: v == "1")


class RuleForm(forms.Form):
    action = forms.ChoiceField(choices=PointAction.choices, widget=forms.HiddenInput)
    points = forms.IntegerField(label=_("积分"), min_value=0, max_value=1000)
    daily_cap = forms.IntegerField(label=_("每日上限"), min_value=0, max_value=10000,
                                   help_text=_("每人每天此项最多得多少分，0 表示不限。"))
    active = forms.BooleanField(label=_("启用"), required=False)

    def label(self) -> str:
        return str(dict(PointAction.choices).get(self["action"].value() or "", ""))


class _RuleFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        seen = [f.cleaned_data.get("action") for f in self.forms if hasattr(f, "cleaned_data")]
        if len(seen) != len(set(seen)):
            raise forms.ValidationError(_("每种行为只能有一条规则。"))


RuleFormSet = forms.formset_factory(RuleForm, formset=_RuleFormSet, extra=0, max_num=len(PointAction),
                                    absolute_max=len(PointAction), validate_max=True)
