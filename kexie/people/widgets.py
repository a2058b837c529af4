"""The person picker: a search-as-you-type field in place of typed internal person ids (decision 0043), mirroring
the organisation picker (kexie/orgs/widgets.py). Typing a few characters of a name asks ``people:picker`` for at
most 20 people of the caller's ``people.view`` scope, offered as "姓名（工作单位）" with a masked phone beside;
``static/kexie/picker.js`` keeps the chosen person's id in a hidden field (one person) or adds a ticked box (several).
Without JavaScript the text is resolved on submit: a unique name, or "姓名（工作单位）"; an ambiguous or unknown
text gets a Chinese form error naming the candidates (masked), never a raw id."""

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

from kexie.core.crypto import mask_phone
from kexie.core.http import to_id
from kexie.core.text import join_list
from kexie.people.models import Person

SUGGESTIONS = 20  # people the endpoint returns
CANDIDATES = 5
MAX_TEXT = 80
MAX_CHOSEN = 30
SEPARATORS = re.compile(r"[;；\n]+")
_SHOWN = re.compile(r"^(?P<name>[^（(]+)[（(](?P<employer>.*)[）)]$")


def shown(p: Person) -> str:
    """How a chosen person reads in the field: "姓名（工作单位）" (the name alone without an employer)."""
    return f"{p.name}（{p.employer_name}）" if p.employer_name else p.name


def hint(p: Person) -> str:
    """What tells two people of one name apart in a suggestion: the masked phone."""
    phone = p.phone or ""
    return mask_phone(phone) if phone else ""


def matching(qs: QuerySet[Person], text: str) -> QuerySet[Person]:
    return qs.filter(Q(name__startswith=text) | Q(name__icontains=text) | Q(employer_name__icontains=text))


def base(qs: QuerySet[Person]) -> QuerySet[Person]:
    return qs.filter(deleted_at__isnull=True, merged_into__isnull=True)


class PersonPickerInput(forms.TextInput):
    template_name = "components/person_picker.html"
    multi = False

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.picker_query = ""
        self.chosen: list[Person] = []

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        return mark_safe(loader.render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.multi:
            ids = data.getlist(f"{name}_ids") if hasattr(data, "getlist") else data.get(f"{name}_ids", [])
            return {"ids": [str(i) for i in ids][:MAX_CHOSEN + 1], "text": str(data.get(name, "") or "")}
        return {"ids": [str(data.get(f"{name}_id", "") or "")], "text": str(data.get(name, "") or "")}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_ids" not in data and f"{name}_id" not in data

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        text = value.get("text", "") if isinstance(value, dict) else ("" if value is None else str(value))
        context = super().get_context(name, text or None, attrs)
        widget = context["widget"]
        list_id = f"{widget['attrs'].get('id') or 'id_' + name}-choices"
        widget["attrs"].setdefault("autocomplete", "off")
        widget.update(list_id=list_id, multi=self.multi, chosen=[(p.pk, shown(p)) for p in self.chosen])
        widget["picked"] = self.chosen[0].pk if self.chosen and not self.multi else ""
        widget["picker_url"] = reverse("people:picker") + "?" + urlencode(
            {"field": name, "list": list_id, **dict(p.split("=", 1) for p in self.picker_query.split("&") if p)})
        context["list_id"] = list_id
        return context


class PersonMultiPickerInput(PersonPickerInput):
    multi = True


class PersonPickerField(forms.Field):
    """One person of ``queryset`` (set it, already in the caller's scope, in the form's ``__init__``);
    ``cleaned_data`` holds the Person or None."""

    widget = PersonPickerInput
    default_error_messages = {
        "required": _("请输入姓名并从列表中选择。"),
        "unknown": _("找不到“%(text)s”：请输入可选范围内人员姓名的几个字，再从列表中选择。"),
        "ambiguous": _("“%(text)s”对应多位人员（%(names)s），请从列表中选择，或写成“姓名（工作单位）”。"),
        "gone": _("所选人员已不在可选范围内，请重新选择。"),
        "too_many": _("一次最多选择 %(n)s 人。"),
    }

    def __init__(self, *, queryset: QuerySet[Person] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("输入姓名的几个字，从列表中选择"))
        super().__init__(**kwargs)
        self.queryset: QuerySet[Person] = base(queryset if queryset is not None else Person.objects.none())

    def set_scope(self, queryset: QuerySet[Person], query: str = "") -> None:
        self.queryset = base(queryset)
        assert isinstance(self.widget, PersonPickerInput)
        self.widget.picker_query = query

    def prepare_value(self, value: Any) -> Any:
        return value

    def _by_ids(self, raw: list[str]) -> list[Person]:
        raw = [r for r in raw if r.strip()]
        ids = [to_id(r) for r in raw]
        if not ids:
            return []
        if None in ids:
            raise forms.ValidationError(self.error_messages["gone"], code="gone")
        found = {p.pk: p for p in self.queryset.filter(pk__in=ids)}
        if len(found) != len(set(ids)):
            raise forms.ValidationError(self.error_messages["gone"], code="gone")
        return [found[i] for i in ids if i is not None]

    def resolve(self, text: str) -> Person:
        qs = self.queryset
        m = _SHOWN.match(text)
        found: list[Person] = []
        if m:
            found = list(qs.filter(name=m["name"].strip(), employer_name=m["employer"].strip())[:CANDIDATES + 1])
        if not found:
            found = list(qs.filter(name=text)[:CANDIDATES + 1]) or list(matching(qs, text)[:CANDIDATES + 1])
        if len(found) == 1:
            return found[0]
        if not found:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"text": text})
        names = join_list(" ".join(x for x in (shown(p), hint(p)) if x) for p in found[:CANDIDATES])
        raise forms.ValidationError(self.error_messages["ambiguous"], code="ambiguous",
                                    params={"text": text, "names": names + ("…" if len(found) > CANDIDATES else "")})

    def _texts(self, value: dict[str, Any]) -> list[str]:
        text = str(value.get("text", "")).replace("\x00", "")[:MAX_TEXT * MAX_CHOSEN]
        parts = SEPARATORS.split(text) if self.widget.multi else [text]
        return [t for t in (" ".join(p.split())[:MAX_TEXT] for p in parts) if t]

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, dict):
            value = {"ids": [], "text": str(value or "")}
        chosen: dict[int, Person] = {}
        picked = self._by_ids(list(value.get("ids", []))[:MAX_CHOSEN + 1])
        texts = self._texts(value)
        errors: list[forms.ValidationError] = []
        if not self.widget.multi:
            # the hidden id counts while the text still reads as that person (a retyped text is resolved anew)
            if picked and (not texts or texts[0] == shown(picked[0])):
                texts = []
            else:
                picked = []
        chosen.update((p.pk, p) for p in picked)
        for t in texts:
            try:
                p = self.resolve(t)
            except forms.ValidationError as exc:
                errors.append(exc)
                continue
            chosen.setdefault(p.pk, p)
        assert isinstance(self.widget, PersonPickerInput)
        self.widget.chosen = list(chosen.values())
        if errors:
            raise forms.ValidationError(errors)
        if len(chosen) > MAX_CHOSEN:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many", params={"n": MAX_CHOSEN})
        people = list(chosen.values())
        if self.widget.multi:
            return people
        return people[0] if people else None

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class PersonMultiPickerField(PersonPickerField):
    """Several people (``cleaned_data``: a list): ticked boxes, each added by search."""

    widget = PersonMultiPickerInput
