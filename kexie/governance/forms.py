"""The overview filters (one form for the page and its export) and the rule edit form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.governance.rules import Verdict
from kexie.governance.services import Filters
from kexie.members.models import BodyKind
from kexie.orgs.models import OrgKind


class OverviewForm(forms.Form):
    status = forms.ChoiceField(label=_("合规情况"), required=False)
    kind = forms.ChoiceField(label=_("组织类型"), required=False)
    body_kind = forms.ChoiceField(label=_("领导机构"), required=False)
    q = forms.CharField(label=_("组织名称"), required=False, max_length=60)

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self._choices("status", [("", _("全部")), (Verdict.FAIL, _("仅不合规")), (Verdict.WARN, _("仅需提醒")),
                                 (Verdict.PASS, _("仅合格"))])
        self._choices("kind", [("", _("全部"))] + [(k.code, k.label) for k in OrgKind.objects.order_by("sort", "code")])
        self._choices("body_kind", [("", _("全部")), *BodyKind.choices])

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(status=data.get("status") or "", kind=data.get("kind") or "",
                       body_kind=data.get("body_kind") or "", q=(data.get("q") or "").strip())


class RuleForm(forms.Form):
    """Raw input: ``services.update_rule`` parses and checks it (one place for the messages)."""

    threshold = forms.CharField(label=_("阈值"), required=False, max_length=40)
    parameter = forms.CharField(label=_("年龄界限"), required=False, max_length=10)
    active = forms.BooleanField(label=_("启用"), required=False)
