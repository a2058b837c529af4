"""The census filters: one form shared by the page and its export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.census.services import Filters
from kexie.core.http import to_id
from kexie.core.scope import get_in_scope, prefix_q, scope_paths
from kexie.orgs.models import Organisation
from kexie.people.models import Discipline, TitleLevel

NONE = "none"  # the choice for "no primary discipline" / "no title"
MAX_ORG_CHOICES = 400


class CensusForm(forms.Form):
    org = forms.IntegerField(label=_("组织"), required=False, min_value=1, widget=forms.Select)
    discipline = forms.ChoiceField(label=_("一级学科"), required=False)
    title_level = forms.ChoiceField(label=_("职称级别"), required=False)

    def __init__(self, data: Any, *, user: Any, action: str = "census.view") -> None:
        super().__init__(data)
        self.user, self.action = user, action
        disc, title = self.fields["discipline"], self.fields["title_level"]
        assert isinstance(disc, forms.ChoiceField) and isinstance(title, forms.ChoiceField)
        disc.choices = [("", _("全部")), (NONE, _("未填"))] + [
            (code, f"{code} {name}") for code, name in
            Discipline.objects.filter(parent__isnull=True).order_by("code").values_list("code", "name")
        ]
        title.choices = [("", _("全部"))] + [(v, label) for v, label in TitleLevel.choices if v] + [(NONE, _("无职称"))]
        self.fields["org"].widget.choices = [("", _("全部（本人权限范围）"))] + self._org_choices()

    def _org_choices(self) -> list[tuple[int, str]]:
        """The organisations at the top of the user's scope and their children (deeper ones by ``?org=``)."""
        paths = scope_paths(self.user, self.action)
        qs = Organisation.objects.alive()
        if paths is None:
            top = 1
        elif not paths:
            return []
        else:
            qs = qs.filter(prefix_q("path", paths))
            top = min(len(p) for p in paths) // Organisation.steplen
        rows = list(qs.filter(depth__lte=top + 1).order_by("path").values_list("pk", "name", "depth")[:MAX_ORG_CHOICES])
        chosen = self.data.get("org") if hasattr(self.data, "get") else None
        chosen_id = to_id(chosen)
        if chosen_id is not None and chosen_id not in {r[0] for r in rows}:
            extra = Organisation.objects.for_user(self.user, self.action).filter(pk=chosen_id)
            rows += list(extra.values_list("pk", "name", "depth"))
        return [(pk, "\u3000" * max(0, depth - top) + name) for pk, name, depth in rows]

    def filters(self) -> Filters:
        """The validated filters; an organisation outside the scope (or missing) answers 404."""
        data = self.cleaned_data
        org = get_in_scope(Organisation.objects, self.user, data["org"], self.action) if data.get("org") else None
        disc = data.get("discipline") or None
        title = data.get("title_level") or None
        return Filters(org=org, discipline="" if disc == NONE else disc, title_level="" if title == NONE else title)
