"""Forms of 科学辟谣: the staff form (the expert picked from the registry, or typed with the affiliation for an
expert outside it), the retraction's note, the lists' filters (lenient: a bad value narrows nothing) and the
流言榜's month."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kexie.core.formfields import RecordsField
from kexie.kepu.debunks import services
from kexie.kepu.models import DebunkStatus, Topic, Verdict
from kexie.people.models import Person
from kexie.people.widgets import PersonPickerField

ACTIONS = ("publish", "retract", "reopen")
MONTH = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})$")


def lenient(form: forms.BaseForm) -> dict[str, Any]:
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return {name: data.get(name) or "" for name in form.fields}


class DebunkForm(forms.Form):
    org = forms.TypedChoiceField(label=_("发布单位"), coerce=int, choices=())
    claim = forms.CharField(label=_("流言"), max_length=services.CLAIM_MAX,
                            help_text=_("写流传中的原话，例如“吃隔夜菜会致癌”。输入时下方提示可能已有的辟谣。"))
    verdict = forms.ChoiceField(label=_("结论"), choices=Verdict.choices)
    explanation = forms.CharField(label=_("解读"), max_length=services.EXPLANATION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 10}), help_text=_("纯文本；空一行分段。"))
    sources = forms.CharField(label=_("依据来源"), max_length=services.SOURCES_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一条：名称或链接。"))
    expert = PersonPickerField(label=_("审核专家"), required=False,
                               help_text=_("输入姓名的几个字，从人才库中选择；库外专家请在下面填写姓名和工作单位"))
    expert_name = forms.CharField(label=_("库外专家姓名"), max_length=40, required=False)
    expert_affiliation = forms.CharField(label=_("库外专家工作单位"), max_length=78, required=False)
    topics = RecordsField(label=_("专题"), queryset=Topic.objects.all(), required=False,
                         widget=forms.CheckboxSelectMultiple)
    first_seen = forms.DateField(label=_("流传时间"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: Any, orgs: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["expert"]
        assert isinstance(field, PersonPickerField)
        field.set_scope(Person.objects.for_user(user, "people.view"))
        if orgs is None:
            del self.fields["org"]
        else:
            org_field = self.fields["org"]
            assert isinstance(org_field, forms.TypedChoiceField)
            org_field.choices = [(o.pk, o.name) for o in orgs]
        self.fields["claim"].widget.attrs.update({"autocomplete": "off"})

    def clean_first_seen(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("first_seen")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(_("流传时间不能晚于今天。"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name, aff = data.get("expert_name") or "", data.get("expert_affiliation") or ""
        if (name or aff) and not (name and aff):
            self.add_error("expert_affiliation" if name else "expert_name",
                           _("库外专家请同时填写姓名和工作单位。"))
        if data.get("expert") is not None and name:
            self.add_error("expert_name", _("已从人才库选择审核专家，库外专家姓名请留空。"))
        return data

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"claim": d["claim"], "verdict": d["verdict"], "explanation": d["explanation"],
                "sources": d["sources"], "expert": d.get("expert"),
                "expert_name": services.signature(d.get("expert_name") or "", d.get("expert_affiliation") or ""),
                "first_seen": d.get("first_seen"), "topics": list(d.get("topics") or [])}


class RetractForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因和更正说明"), max_length=services.REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 3}), help_text=_("公众页面会显示这段说明。"))


class ActForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])


class ManageFilter(forms.Form):
    q = forms.CharField(label=_("流言"), max_length=100, required=False,
                        widget=forms.TextInput(attrs={"type": "search"}))
    verdict = forms.ChoiceField(label=_("结论"), required=False, choices=[("", _("全部")), *Verdict.choices])
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *DebunkStatus.choices])


class PublicFilter(forms.Form):
    verdict = forms.ChoiceField(label=_("结论"), required=False, choices=[("", _("全部")), *Verdict.choices])
    topic = forms.SlugField(label=_("专题"), max_length=40, required=False)


class SimilarForm(forms.Form):
    claim = forms.CharField(max_length=400, required=False)
    exclude = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


def parse_month(value: str | None) -> dt.date | None:
    """"YYYY-MM" → the month's first day; None for anything else (the page answers 400)."""
    m = MONTH.match((value or "").strip())
    if not m:
        return None
    year, month = int(m["y"]), int(m["m"])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)
