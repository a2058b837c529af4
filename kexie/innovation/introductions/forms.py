"""Forms of 点厨 (专家引荐): the request (expert, optional need, message) and the answers along
``Introduction.WORKFLOW`` (broker note, reasons, completion with outcome, rating and kind). ``services`` says
what is wrong in Chinese."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.innovation import limits
from kexie.innovation.formfields import IdField, Text, any_of
from kexie.innovation.models import IntroStatus


class ExpertPickForm(forms.Form):
    """Which expert and need the request page shows (query string or the posted form)."""

    expert = IdField(_("专家"))
    need = IdField(_("关联技术需求"))
    q = forms.CharField(required=False)


class RequestForm(ExpertPickForm):
    message = Text(_("需求说明"), max_length=limits.REASON)


class IntroActForm(forms.Form):
    note = Text(_("引荐说明"), max_length=limits.REASON)
    reason = Text(_("理由"), max_length=limits.REASON)
    outcome = Text(_("服务成效"), max_length=limits.OUTCOME)
    rating = IdField(_("评分"))
    kind = forms.CharField(label=_("服务类型"), max_length=40, required=False)


class IntroFilter(forms.Form):
    status = any_of(_("状态"), IntroStatus.choices)
