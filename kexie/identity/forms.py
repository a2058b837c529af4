"""The inputs of the review queue: the status shown (GET), the record kept by a merge (POST)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.core.http import to_id
from kexie.identity.models import CandidateStatus, MatchCandidate


class QueueForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=CandidateStatus.choices, required=False)

    def status_or_default(self) -> str:
        """The status asked for; anything else (empty, unknown) shows the queue of pairs awaiting review."""
        if self.is_valid() and self.cleaned_data["status"]:
            return str(self.cleaned_data["status"])
        return CandidateStatus.QUEUED


class MergesForm(forms.Form):
    person = forms.CharField(required=False)

    def person_id(self) -> int | None:
        return to_id(self.cleaned_data["person"]) if self.is_valid() else None


class MergeForm(forms.Form):
    """Which of the pair survives; either person of the candidate, by default person A."""

    survivor = forms.TypedChoiceField(label=_("保留"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, candidate: MatchCandidate, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        field = self.fields["survivor"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(candidate.person_a_id, _("人员甲")), (candidate.person_b_id, _("人员乙"))]

    def survivor_id(self) -> int:
        if self.is_valid() and self.cleaned_data["survivor"]:
            return int(self.cleaned_data["survivor"])
        return self.candidate.person_a_id
