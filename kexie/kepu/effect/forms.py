"""Input of the effect area: the reading beacon, a rating, the effect page's month and dimension, the hot-topic
page's window and region."""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kexie.kepu.effect.stats import BY_CHOICES
from kexie.kepu.models import Channel

MAX_BEACON_SECONDS = 4 * 3600  # one page view is not read longer than this
_REGION = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _region(value: str) -> str:
    value = (value or "").strip()
    if value and not _REGION.match(value):
        raise forms.ValidationError(_("地区代码应为 6、9 或 12 位数字。"))
    return value


class BeaconForm(forms.Form):
    item = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    seconds = forms.IntegerField(min_value=0, max_value=MAX_BEACON_SECONDS, required=False)
    completed = forms.ChoiceField(choices=(("0", "0"), ("1", "1")), required=False)
    shared = forms.ChoiceField(choices=(("0", "0"), ("1", "1")), required=False)
    channel = forms.ChoiceField(choices=Channel.choices, required=False)
    region = forms.CharField(max_length=12, required=False)

    def clean_region(self) -> str:
        return _region(self.cleaned_data.get("region", ""))

    def clean_completed(self) -> bool:
        return self.cleaned_data.get("completed") == "1"

    def clean_shared(self) -> bool:
        return self.cleaned_data.get("shared") == "1"


class RateForm(forms.Form):
    stars = forms.TypedChoiceField(label=_("评分"), choices=[(str(n), str(n)) for n in range(1, 6)], coerce=int,
                                   required=False, empty_value=None)
    helped = forms.TypedChoiceField(label=_("对您有帮助吗"), choices=(("yes", _("有帮助")), ("no", _("没帮助"))),
                                    coerce=lambda v: v == "yes", required=False, empty_value=None)

    def clean(self) -> dict:
        data = super().clean() or {}
        if not self.errors and data.get("stars") is None and data.get("helped") is None:
            raise forms.ValidationError(_("请选择评分或回答是否有帮助。"))
        return data


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


class EffectFilter(forms.Form):
    month = forms.CharField(label=_("月份"), required=False, widget=forms.TextInput(attrs={"type": "month",
                                                                                          "maxlength": 7}))
    by = forms.ChoiceField(label=_("统计维度"), choices=BY_CHOICES, required=False)

    def clean_month(self) -> dt.date:
        value = (self.cleaned_data.get("month") or "").strip() or this_month()
        match = _MONTH.match(value)
        if not match or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
            raise forms.ValidationError(_("月份格式应为 2026-05。"))
        return dt.date(int(match[1]), int(match[2]), 1)

    def clean_by(self) -> str:
        return self.cleaned_data.get("by") or "item"

    def values(self) -> tuple[dt.date, str]:
        """The month and dimension asked for; the current month by item when the input is bad (shown as errors)."""
        ok = self.is_valid()
        month = self.cleaned_data.get("month") if ok else None
        by = self.cleaned_data.get("by") if ok else None
        return month or timezone.localdate().replace(day=1), by or "item"


DAYS_CHOICES = (("1", _("近 1 天")), ("3", _("近 3 天")), ("7", _("近 7 天")), ("14", _("近 14 天")))


class HotFilter(forms.Form):
    days = forms.ChoiceField(label=_("时间窗口"), choices=DAYS_CHOICES, required=False)
    region = forms.ChoiceField(label=_("地区"), required=False)

    def __init__(self, *args: object, regions: list[tuple[str, str]] = (), **kwargs: object) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("全部地区")), *regions]

    def values(self) -> tuple[int, str]:
        if self.is_valid():
            return int(self.cleaned_data.get("days") or 7), self.cleaned_data.get("region") or ""
        return 7, ""
