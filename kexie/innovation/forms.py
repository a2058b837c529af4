"""Forms of the 数字科创 pages; ``services.clean_need`` and ``register_enterprise`` say what is wrong in Chinese."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.innovation.data.industries import DIVISIONS
from kexie.innovation.models import Confidentiality, NeedKind

INDUSTRY_CHOICES = [("", "—"), *[(code, f"{code} {name}") for code, name, _section in DIVISIONS]]


class NeedForm(forms.Form):
    title = forms.CharField(label=_("需求名称"), max_length=120)
    description = forms.CharField(label=_("需求描述"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=_("现状、要解决的问题、技术指标和约束条件"))
    industry = forms.ChoiceField(label=_("所属行业"), choices=INDUSTRY_CHOICES)
    kind = forms.ChoiceField(label=_("需求类型"), choices=NeedKind.choices)
    region = forms.CharField(label=_("所在地区代码"), max_length=12, required=False,
                             help_text=_("GB/T 2260 区划代码，可不填"))
    budget = forms.CharField(label=_("预算（万元）"), max_length=20, required=False)
    deadline = forms.DateField(label=_("期望解决时间"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    confidentiality = forms.ChoiceField(label=_("公开范围"), choices=Confidentiality.choices)


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=120)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    industry = forms.ChoiceField(label=_("所属行业"), choices=INDUSTRY_CHOICES, required=False)
    region = forms.CharField(label=_("所在地区代码"), max_length=12, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=40)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20)
