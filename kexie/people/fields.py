"""Form fields for a person's lists typed as text: keywords (专业特长) and one item per line (荣誉).

The staff form (people) and the person's own form (我的) both use them, so the two pages split, count and
refuse the same way. Nothing is cut: an item over the limit is refused with a message naming it.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

__all__ = ["KEYWORD_SEPARATORS", "MAX_HONOUR_LENGTH", "MAX_KEYWORDS", "MAX_KEYWORD_LENGTH", "KeywordListField",
           "LinesField", "split_keywords", "split_lines"]

KEYWORD_SEPARATORS = "，,；;、\n"
MAX_KEYWORDS = 30  # 专业特长: keywords per person, characters per keyword (the import's cell parser says the same)
MAX_KEYWORD_LENGTH = 30
MAX_HONOUR_LENGTH = 100  # characters per 荣誉 line
_KEYWORD_SPLIT = re.compile(r"[，,；;、\r\n]+")


def split_keywords(text: str) -> list[str]:
    """Keywords separated by commas, semicolons, 、 or new lines (full or half width): trimmed, first of each kept."""
    return list(dict.fromkeys(w.strip() for w in _KEYWORD_SPLIT.split(text or "") if w.strip()))


def split_lines(text: str) -> list[str]:
    """One item per non-empty line, trimmed, in the order written."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class _ListTextField(forms.CharField):
    """A text box whose cleaned value is a list of items, each at most ``max_item_length`` characters, at most
    ``max_count`` of them; ``max_length`` still bounds the whole text."""

    default_error_messages = {
        "max_count": _("%(label)s最多填写%(n)s项。"),
        "max_item_length": _("%(label)s每项不超过%(n)s个字，“%(item)s”有%(len)s个字。"),
    }

    def __init__(self, *, max_count: int | None = None, max_item_length: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.max_count, self.max_item_length = max_count, max_item_length

    def split(self, text: str) -> list[str]:
        raise NotImplementedError

    def clean(self, value: Any) -> list[str]:  # type: ignore[override]  # a list, not the text
        items = self.split(str(super().clean(value) or ""))
        params = {"label": str(self.label or "")}
        if self.max_count is not None and len(items) > self.max_count:
            raise forms.ValidationError(self.error_messages["max_count"] % {**params, "n": self.max_count},
                                        code="max_count")
        if self.max_item_length is not None:
            for item in items:
                if len(item) > self.max_item_length:
                    shown = item if len(item) <= 20 else item[:20] + "…"
                    raise forms.ValidationError(self.error_messages["max_item_length"] % {
                        **params, "n": self.max_item_length, "item": shown, "len": len(item)},
                        code="max_item_length")
        return items


class KeywordListField(_ListTextField):
    """Keywords in one box, separated by "，,；;、" or new lines; duplicates dropped."""

    default_error_messages = {
        "max_count": _("%(label)s最多填写%(n)s个关键词。"),
        "max_item_length": _("%(label)s每个关键词不超过%(n)s个字，“%(item)s”有%(len)s个字。"),
    }

    def split(self, text: str) -> list[str]:
        return split_keywords(text)


class LinesField(_ListTextField):
    """One item per line (a textarea)."""

    widget = forms.Textarea

    def split(self, text: str) -> list[str]:
        return split_lines(text)
