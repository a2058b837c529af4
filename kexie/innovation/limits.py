"""How much a person may write in the 数字科创 free-text fields.

The forms carry the same numbers as ``max_length`` so the page says it first; the services check again (the seed,
tasks, tests and other pages call them too) and refuse with ``too_long``'s message. Nothing is cut: what a person
wrote is kept whole or refused, never stored in part."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NAME = 40  # a person's name, a role
TITLE = 120  # a title, a unit's name
SHORT_REASON = 500  # an enterprise's verification opinion, a withdrawal reason
REASON = 2000  # reasons, notes, comments, verdicts
OUTCOME = 4000  # outcomes, plans, descriptions
LONG_TEXT = 6000  # a challenge's tasks, a proposal
ADDRESS = 200


def too_long(label: Any, limit: int) -> str:
    """The Chinese message naming the field and its limit."""
    return _("%(f)s不能超过 %(n)s 个字。") % {"f": label, "n": limit}


def bounded(text: Any, limit: int, label: Any) -> str:
    """``text`` trimmed; over ``limit`` characters it is refused (``ValidationError`` naming the field)."""
    value = str(text or "").strip()
    if len(value) > limit:
        raise ValidationError(too_long(label, limit))
    return value
