"""Forms of 科普审核: the expert's conclusion and the actions posted from the staff item page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kexie.kepu.review.common import CORRECTION_MAX, REASON_MAX


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结论"), widget=forms.RadioSelect,
                                 choices=[("approve", _("通过")), ("return", _("退回修改"))])
    reason = forms.CharField(label=_("审核意见"), required=False, max_length=REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("退回修改时必须写明理由，作者和此前各环节的审核人都会看到。"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("退回修改必须填写理由。"))
        return data


ACTIONS = ("submit", "withdraw", "approve", "publish", "return", "retract", "reopen")


class ActForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    publish_at = forms.DateTimeField(label=_("定时发布"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                format="%Y-%m-%dT%H:%M"),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
                                     help_text=_("留空则立即发布。"))
    reason = forms.CharField(label=_("退回理由"), required=False, max_length=REASON_MAX, widget=forms.Textarea)
    correction = forms.CharField(label=_("更正说明"), required=False, max_length=CORRECTION_MAX,
                                 widget=forms.Textarea)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        when = data.get("publish_at")
        if action == "approve" and when is not None and when <= timezone.now():
            self.add_error("publish_at", _("定时发布的时间必须晚于现在。"))
        if action == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("退回修改必须填写理由。"))
        if action == "retract" and not (data.get("correction") or "").strip():
            self.add_error("correction", _("撤稿必须填写更正说明。"))
        return data
