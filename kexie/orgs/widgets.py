"""The organisation picker: a search-as-you-type text field in place of a select of hundreds of organisations
(decision 0034). Typing a few characters of a name or code asks ``orgs:picker`` for the matches in the field's
own queryset rules (the caller's scope for an action, or the public associations) and offers them in the
browser's own suggestion list (``<datalist>``: keyboard and touch as every text field). Without JavaScript it
is a plain text field: the text is resolved on submit — a code, a name, "code name" as the suggestions write
it, a unique part of a name, or (for old links and tests) an id — and an ambiguous or unknown text gets a
Chinese form error naming the candidates."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Q, QuerySet
from django.template import loader
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from kexie.core.http import to_id
from kexie.core.text import join_list
from kexie.orgs.models import Organisation

SUGGESTIONS = 12  # options the endpoint returns
CANDIDATES = 5  # names an "ambiguous" error lists
MAX_TEXT = 120


def shown(org: Organisation) -> str:
    """How a chosen organisation reads in the field, and what a suggestion fills in: "code name"."""
    return f"{org.code} {org.name}"


def matching(qs: QuerySet[Organisation], text: str) -> QuerySet[Organisation]:
    """Organisations of ``qs`` whose name or short name contains ``text`` or whose code starts with it."""
    return qs.filter(Q(name__icontains=text) | Q(short_name__icontains=text) | Q(code__istartswith=text))


def public_choices() -> QuerySet[Organisation]:
    """What a public (anonymous) form may offer: the public associations (``Organisation.public_q``)."""
    qs: QuerySet[Organisation] = Organisation.objects.for_public()
    return qs


class OrgPickerInput(forms.TextInput):
    template_name = "components/org_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.picker_query = ""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        """Through the site's template engine (the template lives beside the other components)."""
        return mark_safe(loader.render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        list_id = f"{widget['attrs'].get('id') or 'id_' + name}-choices"
        widget["attrs"].setdefault("autocomplete", "off")
        widget["list_id"] = list_id
        context.update(list_id=list_id, choices=[])
        widget["picker_url"] = reverse("orgs:picker") + "?" + urlencode(
            {"field": name, "list": list_id, **dict(p.split("=", 1) for p in self.picker_query.split("&") if p)})
        return context


class OrgPickerField(forms.Field):
    """A drop-in for ``ModelChoiceField(queryset=Organisation…)``: set ``queryset`` (already in the caller's
    scope) in the form's ``__init__`` as before, and ``action`` (the module action the queryset was built for,
    which the endpoint's suggestions use) or ``public=True``; ``cleaned_data`` holds the Organisation or None."""

    widget = OrgPickerInput
    default_error_messages = {
        "required": _("请填写组织名称或编码。"),
        "unknown": _("找不到“%(text)s”：请输入可选范围内组织的名称或编码的几个字，再从列表中选择。"),
        "ambiguous": _("“%(text)s”对应多个组织（%(names)s），请输入更完整的名称或编码。"),
    }

    def __init__(self, *, queryset: QuerySet[Organisation] | None = None, action: str = "orgs.view",
                 public: bool = False, kinds: tuple[str, ...] = (), **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("输入名称或编码的几个字，从列表中选择"))
        super().__init__(**kwargs)
        self.queryset: QuerySet[Organisation] = queryset if queryset is not None else Organisation.objects.none()
        self.action, self.public, self.kinds = action, public, kinds
        self._set_query()

    def _set_query(self) -> None:
        params: dict[str, str] = {"public": "1"} if self.public else {"action": self.action}
        if self.kinds:
            params["kinds"] = ",".join(self.kinds)
        assert isinstance(self.widget, OrgPickerInput)
        self.widget.picker_query = urlencode(params)

    def set_scope(self, queryset: QuerySet[Organisation], action: str | None = None,
                  kinds: tuple[str, ...] | None = None) -> None:
        self.queryset = queryset
        if action is not None:
            self.action = action
        if kinds is not None:
            self.kinds = kinds
        self._set_query()

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Organisation):
            return shown(value)
        pk = to_id(value) if isinstance(value, int | str) and str(value).isdigit() else None
        if pk is not None:
            org = self.queryset.filter(pk=pk).first()
            if org is not None:
                return shown(org)
        return value

    def to_python(self, value: Any) -> Organisation | None:
        if isinstance(value, Organisation):
            return value if self.queryset.filter(pk=value.pk).exists() else self._unknown(str(value))
        text = " ".join(str(value or "").replace("\x00", "").split())[:MAX_TEXT]
        if not text:
            return None
        return self.resolve(text)

    def resolve(self, text: str) -> Organisation | None:
        """One typed text → the organisation of the queryset it names, else a Chinese ValidationError."""
        qs = self.queryset
        org: Organisation | None = qs.filter(code=text).first()
        if org is None and text.isdigit() and (pk := to_id(text)) is not None:
            org = qs.filter(pk=pk).first()
        if org is None and " " in text:
            code, name = text.split(" ", 1)
            org = qs.filter(code=code).filter(Q(name=name) | Q(short_name=name)).first()
        if org is not None:
            return org
        exact = list(qs.filter(Q(name=text) | Q(short_name=text))[:CANDIDATES + 1])
        found = exact or list(matching(qs, text)[:CANDIDATES + 1])
        if len(found) == 1:
            return found[0]
        if not found:
            return self._unknown(text)
        names = join_list(shown(o) for o in found[:CANDIDATES]) + ("…" if len(found) > CANDIDATES else "")
        raise forms.ValidationError(self.error_messages["ambiguous"], code="ambiguous",
                                    params={"text": text, "names": names})

    def _unknown(self, text: str) -> Organisation | None:
        raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"text": text})


# ---- several organisations: chips, each added by search (decision 0043) ---------------------------------------
SEPARATORS = re.compile(r"[;；\n]+")
MAX_CHOSEN = 50


class OrgMultiPickerInput(OrgPickerInput):
    """The chosen organisations as ticked boxes (chips: untick to remove; work without JavaScript) and a search
    field to add one more (``static/kexie/picker.js`` turns a chosen suggestion into a chip). Without JavaScript
    the search field may hold several names separated by "；"."""

    template_name = "components/org_multi_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.picker_url = ""  # a caller's own suggestions endpoint (with its query), else orgs:picker
        self.include = ""  # a CSS selector of other fields the suggestions depend on (hx-include)
        self.chosen: list[Organisation] = []

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        ids = data.getlist(f"{name}_ids") if hasattr(data, "getlist") else data.get(f"{name}_ids", [])
        return {"ids": [str(i) for i in ids][:MAX_CHOSEN + 1], "text": str(data.get(name, "") or "")}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_ids" not in data

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        text = value.get("text", "") if isinstance(value, dict) else ""
        context = super().get_context(name, text or None, attrs)
        if self.picker_url:
            list_id = context["list_id"]
            sep = "&" if "?" in self.picker_url else "?"
            context["widget"]["picker_url"] = f"{self.picker_url}{sep}{urlencode({'field': name, 'list': list_id})}"
        context["widget"].update(chosen=[(o.pk, shown(o)) for o in self.chosen], include=self.include)
        return context


class OrgMultiPickerField(OrgPickerField):
    """Several organisations of ``queryset`` (``cleaned_data``: a list, in the order chosen). ``url``: the
    suggestions endpoint when the choice is not simply "in my scope for an action" (as the societies a need may be
    dispatched to)."""

    widget = OrgMultiPickerInput
    default_error_messages = {
        **OrgPickerField.default_error_messages,
        "required": _("请至少选择一个组织。"),
        "gone": _("所选组织中有的已不在可选范围内，请重新选择。"),
        "too_many": _("一次最多选择 %(n)s 个组织。"),
    }

    def __init__(self, *, url: str = "", include: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        assert isinstance(self.widget, OrgMultiPickerInput)
        self.widget.picker_url, self.widget.include = url, include

    def set_url(self, url: str) -> None:
        assert isinstance(self.widget, OrgMultiPickerInput)
        self.widget.picker_url = url

    def prepare_value(self, value: Any) -> Any:
        return value

    def to_python(self, value: Any) -> list[Organisation]:  # type: ignore[override]  # a list, not one
        if not isinstance(value, dict):
            value = {"ids": [], "text": str(value or "")}
        ids = [to_id(i) for i in value.get("ids", [])]
        if len(ids) > MAX_CHOSEN:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many", params={"n": MAX_CHOSEN})
        chosen: dict[int, Organisation] = {}
        if ids:
            if None in ids:
                raise forms.ValidationError(self.error_messages["gone"], code="gone")
            found = {o.pk: o for o in self.queryset.filter(pk__in=ids).select_related("kind")}
            if len(found) != len(set(ids)):
                raise forms.ValidationError(self.error_messages["gone"], code="gone")
            chosen.update((i, found[i]) for i in ids if i is not None)
        errors = []
        text = str(value.get("text", "")).replace("\x00", "")[:MAX_TEXT * 10]
        for part in SEPARATORS.split(text):
            part = " ".join(part.split())[:MAX_TEXT]
            if not part:
                continue
            try:
                org = self.resolve(part)
            except forms.ValidationError as exc:
                errors.append(exc)
                continue
            if org is not None:
                chosen.setdefault(org.pk, org)
        assert isinstance(self.widget, OrgMultiPickerInput)
        self.widget.chosen = list(chosen.values())
        if errors:
            raise forms.ValidationError(errors)
        if len(chosen) > MAX_CHOSEN:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many", params={"n": MAX_CHOSEN})
        return list(chosen.values())

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
