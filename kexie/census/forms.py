"""The census filters: one form shared by the page and its export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.census.services import Filters
from kexie.core.scope import get_in_scope
from kexie.orgs.models import Organisation
from kexie.orgs.widgets import OrgPickerField
from kexie.people.models import Discipline, TitleLevel

NONE = "none"  # the choice for "no primary discipline" / "no title"


class CensusForm(forms.Form):
    org = OrgPickerField(label=_("组织"), required=False, action="census.view",
                         help_text=_("不填为本人权限范围内的全部；输入名称或编码的几个字，从列表中选择"))
    discipline = forms.ChoiceField(label=_("一级学科"), required=False)
    title_level = forms.ChoiceField(label=_("职称级别"), required=False)

    def __init__(self, data: Any, *, user: Any, action: str = "census.view") -> None:
        super().__init__(data)
        self.user, self.action = user, action
        disc, title = self.fields["discipline"], self.fields["title_level"]
        assert isinstance(disc, forms.ChoiceField) and isinstance(title, forms.ChoiceField)
        disc.choices = [("", _("全部")), (NONE, _("未填"))] + [
            (d.code, str(d)) for d in Discipline.objects.filter(parent__isnull=True).order_by("code")
        ]
        title.choices = [("", _("全部"))] + [(v, label) for v, label in TitleLevel.choices if v] + [(NONE, _("无职称"))]
        org = self.fields["org"]
        assert isinstance(org, OrgPickerField)
        org.set_scope(Organisation.objects.for_user(user, action).alive(), action=action)
        raw = data.get("org") if hasattr(data, "get") else None
        if isinstance(raw, str) and raw.strip().isdigit():  # a drill-down link: another subtree's id is 404
            get_in_scope(Organisation.objects, user, raw.strip(), action)

    def filters(self) -> Filters:
        """The validated filters (the organisation resolved in the scope by the picker)."""
        data = self.cleaned_data
        org = data.get("org")
        disc = data.get("discipline") or None
        title = data.get("title_level") or None
        return Filters(org=org, discipline="" if disc == NONE else disc, title_level="" if title == NONE else title)
