"""The inbox's one filter (only unread notices) and the settings formset (e-mail on or off per kind)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kexie.core.registry import NoticeKind


class InboxForm(forms.Form):
    unread = forms.BooleanField(label=_("只看未读"), required=False)

    def only_unread(self) -> bool:
        return self.is_valid() and bool(self.cleaned_data["unread"])


class NoticeKindForm(forms.Form):
    """One kind of notice: which kind (hidden, one of those offered to the user) and whether to e-mail it."""

    kind = forms.ChoiceField(widget=forms.HiddenInput)
    email = forms.BooleanField(label=_("同时发送电子邮件"), required=False,
                               widget=forms.CheckboxInput(attrs={"role": "switch"}))

    def __init__(self, *args: Any, prefixes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(p, p) for p in prefixes]


class BaseNoticeSettingsFormSet(forms.BaseFormSet[NoticeKindForm]):
    """One form per kind that concerns the user, in the order of ``kinds`` ((module name, kind) pairs). Valid only
    when it holds each offered kind exactly once: a stale page or a made-up kind changes nothing."""

    def __init__(self, data: Any = None, *, kinds: list[tuple[Any, NoticeKind]], choices: dict[str, bool]) -> None:
        self.kinds = kinds
        super().__init__(data, prefix="notices", initial=[
            {"kind": kind.key_prefix, "email": choices[kind.key_prefix]} for _module, kind in kinds])

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"prefixes": [kind.key_prefix for _module, kind in self.kinds]}

    def clean(self) -> None:
        if any(self.errors):
            return
        posted = sorted(str(form.cleaned_data.get("kind") or "") for form in self.forms)
        if posted != sorted(kind.key_prefix for _module, kind in self.kinds):
            raise ValidationError(_("通知类别与页面不符。"), code="kinds")

    def rows(self) -> list[tuple[Any, NoticeKind, NoticeKindForm]]:
        """(module name, kind, form) for the page, grouped by module as ``kinds`` is."""
        return [(module, kind, form) for (module, kind), form in zip(self.kinds, self.forms, strict=False)]

    def choices(self) -> dict[str, bool]:
        """Key prefix -> e-mail on, from a valid formset."""
        return {form.cleaned_data["kind"]: bool(form.cleaned_data["email"]) for form in self.forms}


NoticeSettingsFormSet = cast("type[BaseNoticeSettingsFormSet]",
                             forms.formset_factory(NoticeKindForm, formset=BaseNoticeSettingsFormSet, extra=0))
