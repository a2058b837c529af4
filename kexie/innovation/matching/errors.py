"""Errors with a Chinese message for the user."""

from __future__ import annotations

from django.utils.translation import gettext as _


class MatchError(ValueError):
    """A request the matcher cannot answer; ``str(exc)`` is the user's message."""


class EmptyQuery(MatchError):
    def __init__(self) -> None:
        super().__init__(_("需求描述中没有可用于匹配的词语，请写明具体的技术问题。"))


class NeedsUnavailable(MatchError):
    def __init__(self) -> None:
        super().__init__(_("技术需求模块尚未启用。"))
