"""Forms of the public pages: the search box and the reader's subscriptions (check boxes and a region select)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.core.text import bracketed
from kexie.kepu.models import Audience, Topic
from kexie.orgs.models import Level, Region

Q_MAX = 100


class SearchForm(forms.Form):
    q = forms.CharField(label=_("检索词"), max_length=Q_MAX, required=False,
                        error_messages={"max_length": _("检索词最多 %(limit_value)d 个字。")})
    region = forms.CharField(label=_("地区代码"), max_length=12, required=False)

    def clean_q(self) -> str:
        return " ".join(str(self.cleaned_data.get("q") or "").split())

    def clean_region(self) -> str:
        code = str(self.cleaned_data.get("region") or "").strip()
        if code and not Region.objects.filter(code=code).exists():
            raise forms.ValidationError(_("未知的地区代码。"))
        return code


def region_choices() -> list[tuple[str, Any]]:
    """The province and its cities and counties, by code (a reader picks where they live)."""
    rows = Region.objects.filter(level__in=(Level.PROVINCE, Level.CITY, Level.COUNTY)).order_by("code")
    return [("", _("（不订阅地区）"))] + [(r.code, bracketed(r.name, r.code)) for r in rows[:1000]]


class SubscriptionForm(forms.Form):
    topics = forms.ModelMultipleChoiceField(label=_("专题"), queryset=Topic.objects.order_by("order", "code"),
                                            required=False, widget=forms.CheckboxSelectMultiple,
                                            to_field_name="code")
    audiences = forms.ModelMultipleChoiceField(label=_("重点人群"), queryset=Audience.objects.order_by("order", "code"),
                                               required=False, widget=forms.CheckboxSelectMultiple,
                                               to_field_name="code")
    region = forms.ChoiceField(label=_("地区"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = region_choices()

    def region_object(self) -> Region | None:
        code = self.cleaned_data.get("region") or ""
        return Region.objects.filter(code=code).first() if code else None
