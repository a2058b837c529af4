"""The service steps every application under review shares (decision 0048).

A workflow module declares one ``Review`` next to its services::

    REVIEW = Review(model=GroupApplication, event_model=GroupApplicationEvent, event_link="application",
                    actions=ApplicationAction, audit_prefix="members.groupapplication",
                    decide_action="members.change", related=("society", "applicant"),
                    reason_missing=_l("请填写理由，申请单位会看到它。"))

and its services call ``REVIEW.decide`` (lock + ``require`` on the record's current place + the state check),
``REVIEW.refuse`` (退回修改 / 不予批准 with a reason), ``REVIEW.withdraw``, ``REVIEW.finish_approval``,
``REVIEW.record`` (history row + audit row) and ``sweep_deadlines`` (reminders before the decision deadline,
escalation after it). What differs between the workflows — who the applicant is, what approval creates, the
wording and keys of the notices — stays with the owner and comes in as arguments or callables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.services import require

REASON_MAX = 500  # the reason column of every reviewed record, and the decision form's limit


def acting_user(actor: Any) -> Any:
    """The account to store as 操作人: ``None`` for the system (tasks, the seed)."""
    return actor if getattr(actor, "pk", None) else None


def clean_reason(reason: str, missing: Any, *, collapse: bool = False) -> str:
    """The decider's reason, trimmed (``collapse``: runs of white space made one space); refused when empty or
    longer than the column, never cut."""
    text = " ".join((reason or "").split()) if collapse else (reason or "").strip()
    if not text:
        raise ValidationError(str(missing))
    if len(text) > REASON_MAX:
        raise ValidationError(_("理由不能超过 %(n)s 字。") % {"n": REASON_MAX})
    return text


@dataclass(frozen=True)
class Review:
    """One workflow's configuration of the shared steps."""

    model: type[models.Model]
    event_model: type[models.Model]
    event_link: str  # the history row's foreign key to the record
    actions: Any  # the history's TextChoices: SUBMITTED, RESUBMITTED, APPROVED, RETURNED, REJECTED, WITHDRAWN …
    audit_prefix: str  # "members.application" → members.application.returned, … (declared in the app's audit.py)
    decide_action: str  # the module action deciders hold over the record's current place
    reason_missing: Any  # the Chinese refusal of an empty reason
    related: tuple[str, ...] = ()  # loaded with the locked row
    snapshots: bool = True  # audit rows carry before/after snapshots of AUDIT_FIELDS, else a summary
    collapse_reason: bool = False  # white space in a reason folded to single spaces
    stamp_withdrawal: bool = True  # a withdrawal sets decided_at
    place: Callable[[Any], str] | None = None  # where deciders are checked: the record's org_path unless told

    @property
    def flow(self) -> Any:
        return self.model.WORKFLOW  # type: ignore[attr-defined]

    # ---- the pieces ---------------------------------------------------------------------------------------
    def lock(self, obj: Any) -> Any:
        """The record again, under a row lock (its own row only), with ``related`` loaded."""
        return (self.model._default_manager.select_for_update(of=("self",)).select_related(*self.related)
                .get(pk=obj.pk))

    def snapshot(self, obj: Any) -> dict[str, Any]:
        return snapshot(obj, self.model.AUDIT_FIELDS)  # type: ignore[attr-defined]

    def event(self, obj: Any, actor: Any, action: str, comment: str = "") -> None:
        """One history row (办理记录); ``comment`` is a reason already checked, a number or a name."""
        self.event_model._default_manager.create(**{self.event_link: obj}, actor=acting_user(actor),
                                                 org_path=obj.org_path, action=action, comment=comment[:REASON_MAX])

    def audit(self, actor: Any, obj: Any, verb: str, *, before: dict[str, Any] | None = None,
              after: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> None:
        log_action(actor, f"{self.audit_prefix}.{verb}", obj, scope_path=obj.org_path, before=before, after=after,
                   extra=extra)

    def record(self, actor: Any, obj: Any, verb: str, action: str, *, comment: str = "",
               before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
        """The history row and the audit row of one step."""
        self.event(obj, actor, action, comment)
        self.audit(actor, obj, verb, before=before, after=after)

    def _changes(self, obj: Any, before: dict[str, Any], summary: dict[str, Any] | None) -> dict[str, Any]:
        if self.snapshots:
            return {"before": before, "after": self.snapshot(obj)}
        return {"after": summary} if summary is not None else {}

    # ---- the decider ----------------------------------------------------------------------------------------
    def decide(self, actor: Any, obj: Any, name: str) -> tuple[Any, dict[str, Any]]:
        """Lock, check the decider's scope on the record's current place (``place``) and the state; returns the
        locked record and its snapshot."""
        obj = self.lock(obj)
        require(actor, self.decide_action, self.place(obj) if self.place else obj.org_path)
        before = self.snapshot(obj)
        self.flow.check(obj, name)
        return obj, before

    def finish_approval(self, actor: Any, obj: Any, before: dict[str, Any], link: str, linked: Any,
                        comment: str, summary: dict[str, Any] | None = None) -> None:
        """After the owner created what approval creates (``linked``, stored in ``link``): the status, the
        decision stamp, the history and audit rows."""
        self.flow.apply(obj, "approve")
        setattr(obj, link, linked)
        obj.decided_at, obj.decided_by, obj.reason = timezone.now(), acting_user(actor), ""
        obj.save(update_fields=[self.flow.field, link, "decided_at", "decided_by", "reason"])
        self.event(obj, actor, self.actions.APPROVED, comment)
        self.audit(actor, obj, "approved", **self._changes(obj, before, summary))

    def refuse(self, actor: Any, obj: Any, name: str, reason: str, tell: Callable[[Any, bool], None]) -> Any:
        """退回修改 (``name`` "return") or 不予批准 ("reject") with a reason the applicant sees; ``tell(obj,
        returned)`` sends the applicant's notice. Call inside a transaction."""
        reason = clean_reason(reason, self.reason_missing, collapse=self.collapse_reason)
        obj, before = self.decide(actor, obj, name)
        self.flow.apply(obj, name)
        obj.reason, obj.decided_at, obj.decided_by = reason, timezone.now(), acting_user(actor)
        obj.save(update_fields=[self.flow.field, "reason", "decided_at", "decided_by"])
        returned = name == "return"
        self.event(obj, actor, self.actions.RETURNED if returned else self.actions.REJECTED, reason)
        self.audit(actor, obj, "returned" if returned else "rejected",
                   **self._changes(obj, before, {"理由": reason}))
        tell(obj, returned)
        return obj

    def refusal(self, name: str, tell: Callable[[Any, bool], None]) -> Callable[[Any, Any, str], Any]:
        """The service of one refusal (``name`` "return" or "reject"): ``service(actor, record, reason)``, in
        one transaction, returning the record."""

        @transaction.atomic
        def service(actor: Any, obj: Any, reason: str) -> Any:
            return self.refuse(actor, obj, name, reason, tell)

        service.__doc__ = f"{name}: {self.refuse.__doc__}"
        return service

    # ---- the applicant --------------------------------------------------------------------------------------
    def own(self, actor: Any, obj: Any, is_applicant: Callable[[Any, Any], bool], refusal: Any) -> Any:
        """The record under a row lock, if ``actor`` is its applicant; else ``PermissionDenied(refusal)``."""
        obj = self.lock(obj)
        if not is_applicant(actor, obj):
            raise PermissionDenied(str(refusal))
        return obj

    def withdraw(self, actor: Any, obj: Any, is_applicant: Callable[[Any, Any], bool], refusal: Any) -> Any:
        """撤回: the applicant takes the record back. Call inside a transaction."""
        obj = self.own(actor, obj, is_applicant, refusal)
        before = self.snapshot(obj)
        self.flow.apply(obj, "withdraw")
        fields = [self.flow.field]
        if self.stamp_withdrawal:
            obj.decided_at = timezone.now()
            fields.append("decided_at")
        obj.save(update_fields=fields)
        self.event(obj, actor, self.actions.WITHDRAWN)
        self.audit(actor, obj, "withdrawn", **self._changes(obj, before, None))
        return obj


def sweep_deadlines(waiting: models.QuerySet[Any], review: Review, *, now: dt.datetime, days: int,
                    remind: Callable[[Any], Any], escalate: Callable[[Any], Any]) -> dict[str, int]:
    """Daily: records waiting for a decision (``waiting``, with ``due_at``, ``reminded_at``, ``escalated_at``) —
    ``remind(obj)`` ``days`` before the deadline, ``escalate(obj)`` once it has passed; once each per deadline
    (a resubmission clears the stamps). Each claim is an atomic update, so two runs never send twice."""
    counts = {"reminded": 0, "escalated": 0}
    manager = review.model._default_manager
    rounds = (("reminded", "reminded_at", remind, review.actions.REMINDED,
               waiting.filter(due_at__gt=now, due_at__lte=now + dt.timedelta(days=days))),
              ("escalated", "escalated_at", escalate, review.actions.ESCALATED, waiting.filter(due_at__lte=now)))
    for count, stamp, tell, action, due in rounds:
        for obj in due.filter(**{f"{stamp}__isnull": True}):
            with transaction.atomic():
                if not manager.filter(pk=obj.pk, **{f"{stamp}__isnull": True}).update(**{stamp: now}):
                    continue
                tell(obj)
                review.event(obj, None, action)
                counts[count] += 1
    return counts
