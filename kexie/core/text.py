"""Joining items into one line of user-facing text, with the separators of the active language.

A separator is part of the language, not of the data: Chinese enumerates with "、" and separates
clauses with "；", English uses ", " and "; ". Writing ``"、".join(names)`` into a message therefore
shows "a、b、c" to an English user. These helpers look the separator up in the catalogue (with a
``pgettext`` context, since the same character means different things elsewhere) each time they are
called, so the result follows the language active at that moment.

Use them for messages only. Text that is stored, parsed back or matched against input keeps its own
fixed separator.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext, pgettext

__all__ = ["bracketed", "join_clauses", "join_list"]


def join_list(items: Iterable[object]) -> str:
    """An enumeration: "甲、乙、丙" in Chinese, "a, b, c" in English."""
    return pgettext("list separator", "、").join(str(item) for item in items)


def join_clauses(items: Iterable[object]) -> str:
    """Clauses or whole sentences: "甲；乙" in Chinese, "a; b" in English."""
    return pgettext("message separator", "；").join(str(item) for item in items)


def bracketed(name: object, detail: object) -> str:
    """A name with a detail after it in brackets: "名称（代码）" in Chinese, "name (code)" in English (the brackets
    are the catalogue's; decision 0045)."""
    return gettext("%(name)s（%(detail)s）") % {"name": name, "detail": detail}
