"""Declared workflows: each workflow model states its transitions once, and every layer reads that one table.

A module declares, next to its model::

    APPLICATION_FLOW = Workflow("status", ApplicationStatus, [
        Transition("submit", {DRAFT, RETURNED}, SUBMITTED, _("提交")),
        Transition("withdraw", {DRAFT, SUBMITTED, RETURNED}, WITHDRAWN, _("撤回"),
                   confirm=_("撤回后不能恢复，确定撤回吗？"), refusal=_("申报已进入评审，不能再撤回。")),
        Transition("advance", {OPEN}, None, _("进入下一阶段")),   # None: the service picks the target
    ])

- services call ``FLOW.apply(obj, "withdraw")`` (refuses with a Chinese ``ValidationError`` from any other
  status, sets the field when the target is fixed, returns ``(old, new)`` for the event row);
- views and templates ask ``FLOW.allows(obj, "withdraw")`` (or the ``allows`` template filter,
  ``{% if app|allows:"withdraw" %}``) to decide which buttons show — the permission check (``require``, the
  applicant's own record) stays with the view, the state check comes from here;
- tests walk ``FLOW.transitions`` and check every source and target is a real status and every service refuses
  outside its sources (tests/test_workflows.py).

Why a table and not django-fsm-2: our transitions do more than set a field (event rows, audit, notices, row locks,
scope checks on the current place), which all live in services; django-fsm-2 puts the transition on the model
method and would pull that work into models or split it in two. Decision 0024 has the comparison.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str | None
    label: Any  # a lazy Chinese string: the button text and the event's description
    confirm: Any = ""  # a question asked before a destructive transition ("" asks nothing)
    refusal: Any = ""  # the Chinese message when the current status does not allow it ("" a generic one)
    style: str = ""  # "secondary" / "danger": how its button looks

    def __init__(self, name: str, sources: Iterable[str], target: str | None, label: Any, *, confirm: Any = "",
                 refusal: Any = "", style: str = "") -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "sources", frozenset(str(s) for s in sources))
        object.__setattr__(self, "target", None if target is None else str(target))
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "confirm", confirm)
        object.__setattr__(self, "refusal", refusal)
        object.__setattr__(self, "style", style)


@dataclass
class Workflow:
    field: str
    statuses: Any  # the TextChoices class of the field
    transitions: list[Transition] = dataclass_field(default_factory=list)

    def __post_init__(self) -> None:
        names = [t.name for t in self.transitions]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate transition names in {names}")
        self._by_name = {t.name: t for t in self.transitions}
        valid = {str(v) for v in self.statuses.values}
        for t in self.transitions:
            unknown = (t.sources | ({t.target} if t.target else set())) - valid
            if unknown:
                raise ValueError(f"transition {t.name!r} names unknown statuses {sorted(unknown)}")

    def __iter__(self) -> Iterator[Transition]:
        return iter(self.transitions)

    def __getitem__(self, name: str) -> Transition:
        return self._by_name[name]

    def status_of(self, obj: Any) -> str:
        return str(getattr(obj, self.field))

    def allows(self, obj: Any, name: str) -> bool:
        """Whether ``obj``'s current status allows transition ``name`` (the state rule only, not the user's)."""
        return self.status_of(obj) in self._by_name[name].sources

    def available(self, obj: Any) -> list[Transition]:
        status = self.status_of(obj)
        return [t for t in self.transitions if status in t.sources]

    def sources(self, name: str) -> frozenset[str]:
        return self._by_name[name].sources

    def check(self, obj: Any, name: str) -> Transition:
        t = self._by_name[name]
        status = self.status_of(obj)
        if status not in t.sources:
            if t.refusal:
                raise ValidationError(str(t.refusal))
            raise ValidationError(_("当前状态为“%(s)s”，不能%(a)s。") % {"s": self.label_of(status), "a": t.label})
        return t

    def apply(self, obj: Any, name: str, target: str | None = None) -> tuple[str, str]:
        """Check and move ``obj`` along ``name``; returns ``(old, new)``. The caller saves. ``target`` is for
        transitions declared with ``None`` (the service decides, e.g. pass or fail)."""
        t = self.check(obj, name)
        old = self.status_of(obj)
        new = t.target if t.target is not None else target
        if new is None:
            raise ValueError(f"transition {name!r} needs a target")
        if t.target is None and str(new) not in {str(v) for v in self.statuses.values}:
            raise ValueError(f"unknown status {new!r}")
        setattr(obj, self.field, str(new))
        return old, str(new)

    def label_of(self, status: str) -> str:
        return str(dict(self.statuses.choices).get(status, status))


def workflow_of(obj: Any) -> Workflow:
    """The workflow a model declares as ``WORKFLOW`` (a class attribute)."""
    flow = getattr(type(obj), "WORKFLOW", None)
    if not isinstance(flow, Workflow):
        raise TypeError(f"{type(obj).__name__} declares no WORKFLOW")
    return flow
