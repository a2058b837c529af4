"""Form fields every module may use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from kexie.core.http import to_id

if TYPE_CHECKING:
    _Multiple = forms.ModelMultipleChoiceField[Any]
else:
    _Multiple = forms.ModelMultipleChoiceField


class RecordsField(_Multiple):
    """Several records chosen by id (ticked boxes, a multiple select): a value that is no record id (text, a
    number beyond a key's range) is refused with the field's Chinese message before any query — SQLite cannot
    even bind an integer past 64 bits, and the single-choice field already answers so."""

    def clean(self, value: Any) -> Any:
        if self.to_field_name is None:
            values = value if isinstance(value, list | tuple) else []
            bad = next((v for v in values if to_id(v) is None), None)
            if bad is not None:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": bad})
        return super().clean(value)
