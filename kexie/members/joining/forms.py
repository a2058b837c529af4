"""Forms of 网上入会: every input of its pages is read through one of these."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.members.models import Category
from kexie.members.models_joining import ApplicationStatus, JoinSettings
from kexie.people.models import Discipline


def _choices(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def first_level_disciplines() -> list[tuple[str, str]]:
    return [(d.code, f"{d.code} {d.name}") for d in Discipline.objects.filter(parent__isnull=True).order_by("code")]


class DirectoryForm(forms.Form):
    q = forms.CharField(label=_("学会名称"), max_length=40, required=False)
    discipline = forms.ChoiceField(label=_("学科"), required=False)
    region = forms.CharField(label=_("地区代码"), max_length=12, required=False)
    employer = forms.CharField(label=_("工作单位（单位会员）"), max_length=60, required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["discipline"], [("", _("全部学科")), *first_level_disciplines()])
        self.fields["region"] = forms.ChoiceField(label=_("地区"), required=False,
                                                  choices=[("", _("全部地区")), *(regions or [])])

    def values(self) -> dict[str, str]:
        """The valid fields' values; an invalid field counts as empty (a bad link still lists societies)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: str(data.get(k) or "") for k in ("q", "discipline", "region", "employer")}


class ApplyForm(forms.Form):
    category = forms.ChoiceField(label=_("会员类别"))
    statement = forms.CharField(label=_("入会申请陈述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                                help_text=_("简述您的专业领域、主要成绩和入会意愿。"))

    def __init__(self, *args: Any, settings: JoinSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["category"], settings.offered())


class RefereeForm(forms.Form):
    name = forms.CharField(label=_("推荐人姓名"), max_length=40)
    employer = forms.CharField(label=_("工作单位"), max_length=120)
    phone = forms.CharField(label=_("联系电话"), max_length=20)


def referee_formset(settings: JoinSettings, data: Any = None, initial: list[dict[str, str]] | None = None) -> Any:
    n = settings.referees_required
    cls = forms.formset_factory(RefereeForm, extra=0, min_num=n, max_num=max(n, 1), validate_min=True,
                                validate_max=True, absolute_max=5)
    return cls(data, initial=initial, prefix="ref")


class DecideForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("批准入会")), ("return", _("退回修改")),
                                        ("reject", _("不予批准")), ("withdraw", _("撤回申请"))])
    reason = forms.CharField(label=_("理由（申请人会看到）"), max_length=500, required=False)


class QueueFilter(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部")), *ApplicationStatus.choices])
    q = forms.CharField(label=_("申请人或学会"), max_length=40, required=False)


CATEGORY_FIELDS = [(c, f"dues_{c}") for c in Category.values]


class SettingsForm(forms.Form):
    is_open = forms.BooleanField(label=_("开放网上入会"), required=False)
    categories = forms.MultipleChoiceField(label=_("可申请的会员类别"), choices=Category.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    referees_required = forms.IntegerField(label=_("需要的推荐人数"), min_value=0, max_value=5, initial=0)
    decision_days = forms.IntegerField(label=_("审批时限（天）"), min_value=1, max_value=90, initial=15)
    number_prefix = forms.RegexField(label=_("会员号前缀"), regex=r"^[A-Za-z0-9-]*$", max_length=20, required=False,
                                     help_text=_("留空时用组织编码；会员号为“前缀-年度-序号”。"))
    intro = forms.CharField(label=_("入会须知"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    disciplines = forms.MultipleChoiceField(label=_("学科领域（一级学科）"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["disciplines"], first_level_disciplines())
        labels = dict(Category.choices)
        for c, name in CATEGORY_FIELDS:
            self.fields[name] = forms.IntegerField(label=_("%(c)s年度会费（元）") % {"c": labels[c]}, min_value=0,
                                                   max_value=100000, required=False)

    @classmethod
    def initial_from(cls, s: JoinSettings | None) -> dict[str, Any]:
        if s is None:
            return {"is_open": True, "categories": ["member", "student"], "decision_days": 15, "referees_required": 0}
        out: dict[str, Any] = {"is_open": s.is_open, "categories": s.categories, "decision_days": s.decision_days,
                               "referees_required": s.referees_required, "number_prefix": s.number_prefix,
                               "intro": s.intro, "disciplines": [d.code for d in s.disciplines.all()]}
        out.update({name: s.dues.get(c) for c, name in CATEGORY_FIELDS})
        return out

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {**{k: d[k] for k in ("is_open", "categories", "referees_required", "decision_days", "number_prefix",
                                     "intro")},
                "dues": {c: d.get(name) or 0 for c, name in CATEGORY_FIELDS},
                "disciplines": list(Discipline.objects.filter(code__in=d["disciplines"], parent__isnull=True))}


class DuesForm(forms.Form):
    period = forms.IntegerField(label=_("缴费年度"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=Decimal(0), max_digits=10, decimal_places=2)
    receipt_number = forms.CharField(label=_("收据号"), max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].initial = dt.date.today().year


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("证书验证码"), max_length=40)
