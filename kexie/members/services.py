"""Membership actions (申请、审批、变更类别、缴费、退会、除名) and the daily status refresh."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.services import require
from kexie.members.models import ENDED, EventKind, Membership, MembershipEvent, Status
from kexie.members.status import status_filters, status_for

if TYPE_CHECKING:
    from kexie.orgs.models import Organisation
    from kexie.people.models import Person


def _lock(m: Membership) -> Membership:
    return Membership.objects.select_for_update().get(pk=m.pk)


def _recompute(m: Membership, today: dt.date | None = None) -> None:
    m.status = status_for(joined_on=m.joined_on, dues_paid_through=m.dues_paid_through,
                          category=m.category, current=m.status, today=today)


def _event(m: Membership, actor: Any, kind: str, on: dt.date, note: str = "") -> None:
    MembershipEvent.objects.create(membership=m, kind=kind, category=m.category, on=on, note=note,
                                   actor=actor if getattr(actor, "pk", None) else None)


def _save(actor: Any, m: Membership, action: str, before: dict[str, Any] | None) -> Membership:
    m.full_clean(exclude=["org_path", "person", "society"])
    m.save()
    log_action(actor, f"members.membership.{action}", m, scope_path=m.org_path, before=before,
               after=snapshot(m, Membership.AUDIT_FIELDS))
    return m


@transaction.atomic
def apply(actor: Any, person: Person, society: Organisation, category: str,
          applied_on: dt.date | None = None) -> Membership:
    """申请入会 — pending until the society approves."""
    if society.kind.category != "society":
        raise ValidationError(_("只能申请加入学会或其分支机构。"))
    if Membership.objects.filter(person=person, society=society, deleted_at__isnull=True).exclude(
        status__in=ENDED
    ).exists():
        raise ValidationError(_("该人员已是该学会会员或已有待审批的申请。"))
    own = person.user_id is not None and person.user_id == getattr(actor, "pk", None)
    if not own:
        require(actor, "members.change", society.path)
    applied_on = applied_on or timezone.localdate()
    m = Membership(person=person, society=society, org_path=society.path, category=category,
                   applied_on=applied_on, status=Status.PENDING)
    _save(actor, m, "applied", None)
    _event(m, actor, EventKind.APPLIED, applied_on)
    return m


@transaction.atomic
def approve(actor: Any, m: Membership, *, number: str, joined_on: dt.date,
            dues_paid_through: dt.date | None) -> Membership:
    m = _lock(m)
    require(actor, "members.change", m.org_path)
    if m.status != Status.PENDING:
        raise ValidationError(_("只有待审批的申请可以批准。"))
    before = snapshot(m, Membership.AUDIT_FIELDS)
    m.number, m.joined_on, m.dues_paid_through = number, joined_on, dues_paid_through
    _recompute(m)
    _save(actor, m, "approved", before)
    _event(m, actor, EventKind.APPROVED, joined_on)
    return m


@transaction.atomic
def reject(actor: Any, m: Membership, reason: str) -> Membership:
    m = _lock(m)
    require(actor, "members.change", m.org_path)
    if m.status != Status.PENDING:
        raise ValidationError(_("只有待审批的申请可以不予批准。"))
    before = snapshot(m, Membership.AUDIT_FIELDS)
    m.status, m.ended_on, m.note = Status.REJECTED, timezone.localdate(), reason[:200]
    _save(actor, m, "rejected", before)
    _event(m, actor, EventKind.REJECTED, m.ended_on, reason[:200])
    return m


@transaction.atomic
def change_category(actor: Any, m: Membership, category: str, on: dt.date) -> Membership:
    m = _lock(m)
    require(actor, "members.change", m.org_path)
    if m.status in ENDED:
        raise ValidationError(_("会籍已终止，不能变更类别。"))
    if m.category == category:
        raise ValidationError(_("新类别与当前类别相同。"))
    before = snapshot(m, Membership.AUDIT_FIELDS)
    m.category = category
    _recompute(m)
    _save(actor, m, "category_changed", before)
    _event(m, actor, EventKind.CATEGORY, on)
    return m


@transaction.atomic
def pay_dues(actor: Any, m: Membership, through: dt.date) -> Membership:
    m = _lock(m)
    require(actor, "members.change", m.org_path)
    if m.status in ENDED or m.status == Status.PENDING:
        raise ValidationError(_("只有在册会员可以登记缴费。"))
    if m.dues_paid_through and through <= m.dues_paid_through:
        raise ValidationError(_("新的会费缴至日期必须晚于当前日期。"))
    before = snapshot(m, Membership.AUDIT_FIELDS)
    m.dues_paid_through = through
    _recompute(m)
    _save(actor, m, "dues_paid", before)
    _event(m, actor, EventKind.DUES, timezone.localdate(), f"缴至 {through:%Y-%m-%d}")
    return m


@transaction.atomic
def end(actor: Any, m: Membership, kind: str, on: dt.date, reason: str = "") -> Membership:
    if kind not in (Status.WITHDRAWN, Status.EXPELLED):
        raise ValidationError(_("终止方式只能是退会或除名。"))
    m = _lock(m)
    require(actor, "members.change", m.org_path)
    if m.status in ENDED:
        raise ValidationError(_("会籍已终止。"))
    before = snapshot(m, Membership.AUDIT_FIELDS)
    m.status, m.ended_on = kind, on
    _save(actor, m, kind, before)
    _event(m, actor, EventKind.WITHDRAWN if kind == Status.WITHDRAWN else EventKind.EXPELLED, on, reason[:200])
    return m


def refresh_statuses(today: dt.date | None = None) -> dict[str, int]:
    """Set-based: one UPDATE per status, touching only rows whose status is wrong."""
    today = today or timezone.localdate()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for status, q in status_filters(today).items():
            counts[str(status)] = Membership.objects.filter(q).exclude(status=status).update(status=status)
    return counts
