"""Forms first (kexie issue 13): every 数字科创 page reads its POST through a Django form. This module holds the
pieces the sub-packages share: the button pressed (``action``), a text field that leaves the Chinese refusal to
the service, id fields that never raise on malformed input, and ``cleaned()`` which turns an invalid form into the
``ValidationError`` every view already shows (``lenient()`` where a malformed choice just means none).

The forms convert (ids, dates, whole numbers) and bound the size of what they accept (the limits of
``kexie.innovation.limits``, so an over-long text is refused on the page first); the services keep the business
rules and their exact Chinese messages (they are also called by the seed, tasks and tests) and refuse over-long
text too, never storing part of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kexie.core.http import to_id


class Text(forms.CharField):
    """Free text for a service to judge: optional here, trimmed, bounded. ``max_length`` is the most the page
    accepts: the field's limit in ``kexie.innovation.limits`` (which the service checks again, refusing and never
    cutting), ten thousand characters where no limit is set."""

    def __init__(self, label: Any = "", *, max_length: int = 10000, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(label=label, max_length=max_length, **kwargs)


class IdField(forms.CharField):
    """A record id: a positive whole number a bigint can hold, else None (``to_id``). Without ``message`` a
    malformed id is simply None, so the view decides what a missing one means (404, "请选择…"); with it, a value
    that is given but is not an id is refused with that message."""

    def __init__(self, label: Any = "", *, message: Any = "", **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(label=label, max_length=None, **kwargs)
        self.message = message

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = value.strip() if isinstance(value, str) else ""
        number = to_id(text)
        if number is None and text and self.message:
            raise ValidationError(str(self.message))
        return number

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value: Any) -> None:
        return None


class IdListField(forms.Field):
    """Several ids (a multiple select, checkboxes, or a text of ids separated by commas): a list of ints, refused
    as a whole when any item is not an id."""

    def __init__(self, label: Any = "", *, message: Any = "", split: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput if split else forms.SelectMultiple)  # one text, or a list
        super().__init__(label=label, **kwargs)
        self.message, self.split = message, split

    def to_python(self, value: Any) -> list[int]:
        if value in (None, ""):
            return []
        raw = value if isinstance(value, list | tuple) else [value]
        if self.split:
            raw = [p for r in raw for p in str(r).replace("，", ",").split(",")]
        items = [str(r).strip() for r in raw if str(r).strip()]
        ids = [to_id(r) for r in items]
        if any(i is None for i in ids):
            raise ValidationError(str(self.message or _("所选记录有误。")))
        return [i for i in ids if i is not None]


class OptionalDate(forms.CharField):
    """A date as YYYY-MM-DD, or None when empty; a malformed one is refused with ``message``."""

    def __init__(self, label: Any = "", *, message: Any = "", **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(label=label, max_length=40, **kwargs)
        self.message = message

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = str(super().to_python(value) or "").strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(str(self.message or _("日期的格式应为 YYYY-MM-DD。"))) from None


class ActionForm(forms.Form):
    """The button a page's form was sent with (``name="action"``); the view compares it with its actions."""

    action = forms.CharField(max_length=40, required=False)

    def value(self) -> str:
        """The action sent, or "" (malformed or too long: no action, which the views refuse)."""
        return str(self.cleaned_data["action"]) if self.is_valid() else ""


def form_errors(form: forms.BaseForm) -> list[str]:
    """The form's problems as Chinese messages: Django's own (required, too long, not a choice: they have a code)
    name the field; the messages these fields raise themselves are whole sentences and stay as they are."""
    out: list[str] = []
    for name, errors in form.errors.as_data().items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        for e in errors:
            for text in e.messages:
                out.append(f"{label}：{text}" if label and e.code else str(text))
    return out


def cleaned(form: forms.BaseForm) -> dict[str, Any]:
    """The cleaned data of a bound form; an invalid one raises ``ValidationError`` with the form's messages (the
    views show a service's refusal the same way)."""
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    return dict(form.cleaned_data)


def lenient(form: forms.BaseForm) -> dict[str, Any]:
    """What a form of choices (ids in a query string, a search word) could read: its valid fields' values, None
    for the others. For inputs that only narrow what a page shows, where a malformed value means "none"."""
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return {name: data.get(name) for name in form.fields}


def add_errors(form: forms.BaseForm, exc: Exception) -> None:
    """A service's refusal shown on the form (non-field errors)."""
    from kexie.core.http import error_messages

    for m in error_messages(exc):
        form.add_error(None, m)


def any_of(label: Any, choices: Any) -> forms.ChoiceField:
    """A list filter's choice with 全部 first; read with ``lenient()`` (a value not offered filters nothing and the
    filter form says why)."""
    return forms.ChoiceField(label=label, required=False, choices=[("", _("全部")), *choices])


def search_field(label: Any, max_length: int) -> forms.CharField:
    """A list's search words: optional, trimmed; the view cuts them to ``max_length``."""
    return forms.CharField(label=label, required=False,
                           widget=forms.TextInput(attrs={"type": "search", "maxlength": max_length}))
