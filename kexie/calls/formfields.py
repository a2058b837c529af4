"""The calls forms' shared pieces: the comment field, the first error of a form, the pressed button.

Verdict fields list the choices the service knows, so a forged value is a form error (a Chinese message and
nothing changed), never a 500. Messages a service already gives in Chinese (empty reasons, scores out of
range) are left to the service, so the page and the API say the same thing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

COMMENT_MAX = 4000


def _comment(label: Any = None, *, max_length: int = COMMENT_MAX) -> forms.CharField:
    return forms.CharField(label=label or _("意见"), required=False, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": 2}))


def first_error(form: forms.BaseForm) -> list[str]:
    """The form's messages, field label first, for ``messages.error`` on a redirecting page."""
    out: list[str] = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = f"{field.label}：" if field is not None and field.label else ""
        out += [f"{label}{e}" for e in errors]
    return out


class CommentForm(forms.Form):
    """Withdrawing an application: an optional comment kept in its history."""

    comment = _comment()


class NextForm(forms.Form):
    """Where a list page's action returns to (``list`` / ``queue``: the list; else the record)."""

    next = forms.ChoiceField(required=False, choices=[("", ""), ("list", "list"), ("queue", "queue")])


def filter_values(form: forms.Form) -> dict[str, Any]:
    """The set values of a list's filter form: a field with a bad value is left out (its message shows beside it)
    and the other filters still apply, so a malformed query narrows nothing it cannot read and is never a 500."""
    form.is_valid()
    return {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v not in (None, "")}


def choice_filter(label: Any, choices: Any) -> forms.ChoiceField:
    """A filter's choice field: 全部 first, not required."""
    return forms.ChoiceField(label=label, required=False, choices=[("", _("全部")), *choices])


def search_filter(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=100,
                           widget=forms.TextInput(attrs={"type": "search"}))
