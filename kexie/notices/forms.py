"""The inbox's one filter: only unread notices."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class InboxForm(forms.Form):
    unread = forms.BooleanField(label=_("只看未读"), required=False)

    def only_unread(self) -> bool:
        return self.is_valid() and bool(self.cleaned_data["unread"])
