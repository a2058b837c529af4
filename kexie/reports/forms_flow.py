"""Forms of the reporting workflow pages (campaign close/reopen, the filler's action). Views read posted
values only through forms; the transitions themselves are ``Campaign.WORKFLOW`` / ``Submission.WORKFLOW``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CampaignTransitionForm(forms.Form):
    """结束填报 / 重新开放: the transition asked for by name (a stale page cannot toggle the wrong way)."""

    transition = forms.ChoiceField(choices=[("close", _("结束填报")), ("reopen", _("重新开放"))],
                                   error_messages={"required": _("请求无效。"), "invalid_choice": _("请求无效。")})


class FillActionForm(forms.Form):
    """Which button of the fill page was pressed; the schema's fields are read by the form engine."""

    action = forms.ChoiceField(required=False, choices=[("save", _("保存草稿")), ("validate", _("检查")),
                                                        ("submit", _("提交"))])

    def clean_action(self) -> str:
        return self.cleaned_data.get("action") or "save"
