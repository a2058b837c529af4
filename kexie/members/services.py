"""Membership actions (申请、审批、添加会员、变更类别、缴费、退会、除名) and the daily status refresh.

Free text is kept whole or refused (``_note``), never cut (decision 0044)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.crypto import blind_index
from kexie.core.services import require
from kexie.core.validators import normalize_id_number, normalize_phone, validate_id_number, validate_phone
from kexie.members.joining.services import _issue_number, mask_name, record_payment
from kexie.members.models import ENDED, Category, EventKind, Membership, MembershipEvent, Status
from kexie.members.models_joining import (
    DEFAULT_CATEGORIES,
    JOINABLE_KINDS,
    OFFLINE_METHODS,
    OPEN_STATUSES,
    DuesPayment,
    JoinSettings,
    MembershipApplication,
)
from kexie.members.status import status_filters, status_for
from kexie.orgs.models import Organisation
from kexie.people.models import Person

NOTE_LIMIT = 200  # Membership.note and MembershipEvent.note
SEARCH_LIMIT = 20  # registry matches shown on the add-member page; more asks for a narrower search


CATEGORY_NOTE_LIMIT = 150  # the rest of the history note names the old category


def _note(text: Any, label: str, limit: int = NOTE_LIMIT) -> str:
    """A reason or note kept whole: over ``limit`` characters it is refused, never cut."""
    value = str(text or "").strip()
    if len(value) > limit:
        raise ValidationError(_("%(f)s不能超过 %(n)s 个字（现有 %(c)s 个字）。")
                              % {"f": label, "n": limit, "c": len(value)})
    return value


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
    reason = _note(reason, _("不予批准的理由"))
    before = snapshot(m, Membership.AUDIT_FIELDS)
    m.status, m.ended_on, m.note = Status.REJECTED, timezone.localdate(), reason
    _save(actor, m, "rejected", before)
    _event(m, actor, EventKind.REJECTED, m.ended_on, reason)
    return m


@transaction.atomic
def change_category(actor: Any, m: Membership, category: str, on: dt.date, note: str = "") -> Membership:
    """变更类别: the new category from ``on``, the old one named in the history row."""
    m = _lock(m)
    require(actor, "members.change", m.org_path)
    if m.status in ENDED:
        raise ValidationError(_("会籍已终止，不能变更类别。"))
    if category not in Category.values:
        raise ValidationError(_("未知的会员类别。"))
    if m.category == category:
        raise ValidationError(_("新类别与当前类别相同。"))
    _check_date(on, _("变更日期"))
    note = _note(note, _("说明"), CATEGORY_NOTE_LIMIT)
    before = snapshot(m, Membership.AUDIT_FIELDS)
    old = m.get_category_display()
    m.category = category
    _recompute(m)
    _save(actor, m, "category_changed", before)
    text = _("原类别：%(c)s") % {"c": old}
    _event(m, actor, EventKind.CATEGORY, on, f"{text}；{note}" if note else text)
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
    _event(m, actor, EventKind.DUES, timezone.localdate(), _("缴至 %(d)s") % {"d": f"{through:%Y-%m-%d}"})
    return m


@transaction.atomic
def end(actor: Any, m: Membership, kind: str, on: dt.date, reason: str = "") -> Membership:
    if kind not in (Status.WITHDRAWN, Status.EXPELLED):
        raise ValidationError(_("终止方式只能是退会或除名。"))
    m = _lock(m)
    require(actor, "members.change", m.org_path)
    if m.status in ENDED:
        raise ValidationError(_("会籍已终止。"))
    reason = _note(reason, _("原因"))
    before = snapshot(m, Membership.AUDIT_FIELDS)
    m.status, m.ended_on = kind, on
    _save(actor, m, kind, before)
    _event(m, actor, EventKind.WITHDRAWN if kind == Status.WITHDRAWN else EventKind.EXPELLED, on, reason)
    return m


def _check_date(on: Any, label: str) -> dt.date:
    """A date of a membership event: a real one, not later than today and not before 1950."""
    if not isinstance(on, dt.date):
        raise ValidationError(_("请填写%(f)s。") % {"f": label})
    if on > timezone.localdate():
        raise ValidationError(_("%(f)s不能晚于今天。") % {"f": label})
    if on.year < 1950:
        raise ValidationError(_("%(f)s不能早于 1950 年。") % {"f": label})
    return on


# ---- 添加会员: one member at a time from the web (decision 0044) ------------------------------------------
class AlreadyMember(ValidationError):
    """Refused: the person already holds a live membership (or an open application) in the society; ``url``
    leads to it."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message, code="duplicate")
        self.url = url


@dataclass
class Match:
    """A registry person found for the add-member page. Outside the caller's ``people.view`` scope the person
    was found by an exact identifier only, and the page shows masks alone (decision 0044)."""

    person: Person
    in_scope: bool
    how: str
    membership: Membership | None = None
    application: MembershipApplication | None = None

    @property
    def display_name(self) -> str:
        return self.person.name if self.in_scope else mask_name(self.person.name)


@dataclass
class Found:
    matches: list[Match] = field(default_factory=list)
    more: bool = False  # the name search had more than SEARCH_LIMIT matches in scope


def find_people(user: Any, society: Organisation | None, *, name: str = "", id_number: str = "",
                phone: str = "") -> Found:
    """The registry first: an exact ID number (blind index) anywhere in the registry; a phone number in the
    caller's scope, or anywhere together with the exact name (the memberships import's rule); a name (its
    beginning) among the people the caller may see. Each match says whether the person already is a member of
    ``society`` or has an open application there."""
    name, id_number, phone = name.strip(), normalize_id_number(id_number), normalize_phone(phone)
    visible = Person.objects.for_user(user, "people.view").filter(deleted_at__isnull=True)
    alive = Person.objects.filter(deleted_at__isnull=True)
    found: dict[int, tuple[Person, str]] = {}
    more = False
    if id_number:
        for p in alive.filter(id_hash=blind_index(id_number))[:1]:
            found[p.pk] = (p, _("身份证号一致"))
    if phone:
        by_phone = alive.filter(phone_hash=blind_index(phone))
        by_phone = by_phone.filter(Q(pk__in=visible.values("pk")) | Q(name=name)) if name else by_phone.filter(
            pk__in=visible.values("pk"))
        for p in by_phone.order_by("id")[:SEARCH_LIMIT]:
            found.setdefault(p.pk, (p, _("手机号一致")))
    if name and not id_number and not phone:
        rows = list(visible.filter(name__startswith=name).order_by("name", "id")[:SEARCH_LIMIT + 1])
        more = len(rows) > SEARCH_LIMIT
        for p in rows[:SEARCH_LIMIT]:
            found.setdefault(p.pk, (p, _("姓名一致") if p.name == name else _("姓名相近")))
    ids = list(found)
    in_scope = set(visible.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    members: dict[int, Membership] = {}
    applications: dict[int, MembershipApplication] = {}
    if society is not None and ids:
        members = {m.person_id: m for m in Membership.objects.filter(
            person_id__in=ids, society_id=society.pk, deleted_at__isnull=True).exclude(status__in=ENDED)}
        applications = {a.person_id: a for a in MembershipApplication.objects.filter(
            person_id__in=ids, society_id=society.pk, status__in=OPEN_STATUSES)}
    return Found([Match(p, p.pk in in_scope, how, members.get(p.pk), applications.get(p.pk))
                  for p, how in found.values()], more)


@dataclass(frozen=True)
class NewPerson:
    """The fewest fields a registry record needs: a name and an identifier (ID number or phone)."""

    name: str
    id_number: str = ""
    phone: str = ""
    employer_name: str = ""


def _new_person(actor: Any, society: Organisation, data: NewPerson) -> Person:
    from kexie.people.services import create_person

    name = data.name.strip()
    id_number, phone = normalize_id_number(data.id_number), normalize_phone(data.phone)
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("请填写姓名。")]
    elif len(name) > 40:
        errors["name"] = [_("姓名不能超过 40 个字。")]
    if len(data.employer_name.strip()) > 120:
        errors["employer_name"] = [_("工作单位不能超过 120 个字。")]
    for key, value, check in (("id_number", id_number, validate_id_number), ("phone", phone, validate_phone)):
        if value:
            try:
                check(value)
            except ValidationError as exc:
                errors[key] = exc.messages
    if not id_number and not phone:
        errors.setdefault("id_number", []).append(_("请填写身份证号或手机号，以便识别人员。"))
    if errors:
        raise ValidationError(errors)
    if id_number and Person.objects.filter(id_hash=blind_index(id_number), deleted_at__isnull=True).exists():
        raise ValidationError({"id_number": [_("该身份证号码已登记在平台中：请按身份证号查找并选择此人，"
                                               "不要重复登记。")]})
    # The society holds the new record (people.change over it): the registry's own checks and encryption.
    return create_person(actor, {"name": name, "id_number": id_number, "phone": phone, "org": society,
                                 "employer_name": data.employer_name.strip()})


@transaction.atomic
def add_member(actor: Any, society: Organisation, *, category: str, joined_on: dt.date,
               person: Person | None = None, new_person: NewPerson | None = None) -> Membership:
    """添加会员: a registry person (or a new one, registered in the society) becomes a member at once, with the
    next membership number of the society (the online approval's sequence, under its row lock) and dues
    counted through 31 December of the joining year, as an approved application's are (decision 0030)."""
    fresh: Organisation = Organisation.objects.select_related("kind").get(pk=society.pk)
    require(actor, "members.change", fresh.path)
    if fresh.deleted_at is not None or fresh.kind.code not in JOINABLE_KINDS:
        raise ValidationError(_("只有学会、学会分支机构和农技协可以添加个人会员。"))
    if category not in Category.values:
        raise ValidationError({"category": [_("未知的会员类别。")]})
    _check_date(joined_on, _("入会日期"))
    if (person is None) == (new_person is None):
        raise ValidationError(_("请选择平台中的人员，或登记一位新人员。"))
    if new_person is not None:
        person = _new_person(actor, fresh, new_person)
    assert person is not None
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.deleted_at is not None:
        raise ValidationError(_("该人员记录已删除或已合并，不能添加为会员。"))
    existing = (Membership.objects.select_for_update().filter(person=person, society=fresh, deleted_at__isnull=True)
                .exclude(status__in=ENDED).first())
    if existing is not None:
        raise AlreadyMember(_("%(p)s已是%(s)s的会员（%(st)s），不能重复添加。") % {
            "p": person.name, "s": fresh.name, "st": existing.get_status_display()},
            reverse("members:detail", args=[existing.pk]))
    app = MembershipApplication.objects.filter(person=person, society=fresh, status__in=OPEN_STATUSES).first()
    if app is not None:
        raise AlreadyMember(_("%(p)s已向%(s)s提交入会申请（%(st)s），请在入会审批中办理该申请。") % {
            "p": person.name, "s": fresh.name, "st": app.get_status_display()},
            reverse("members:application", args=[app.pk]))
    # The number sequence lives in the join settings; a society that never opened online joining gets a closed
    # settings row (it does not appear in the public directory).
    JoinSettings.objects.get_or_create(society=fresh, defaults={
        "org_path": fresh.path, "is_open": False, "categories": list(DEFAULT_CATEGORIES)})
    today = timezone.localdate()
    m = Membership(person=person, society=fresh, org_path=fresh.path, category=category,
                   number=_issue_number(fresh, today), applied_on=joined_on, joined_on=joined_on,
                   dues_paid_through=dt.date(joined_on.year, 12, 31), status=Status.PENDING)
    _recompute(m, today)
    _save(actor, m, "added", None)
    _event(m, actor, EventKind.APPROVED, joined_on, _("学会添加会员"))
    return m


# ---- 记录会费: a payment made to the secretariat, recorded by staff ---------------------------------------
@transaction.atomic
def record_dues(actor: Any, m: Membership, *, period: int, amount: Decimal | int, method: str, paid_on: dt.date,
                receipt_number: str) -> DuesPayment:
    """One year's dues paid in cash, by transfer or otherwise, on ``paid_on``: the payment row (receipt number
    unique in the society) and dues paid through 31 December of ``period`` (``joining.services.record_payment``,
    never moved back). No online payment is pretended."""
    m = _lock(m)
    require(actor, "members.change", m.org_path)
    errors: list[str] = []
    if method not in OFFLINE_METHODS:
        errors.append(_("请选择缴费方式：现金、转账或其他。"))
    try:
        _check_date(paid_on, _("缴费日期"))
    except ValidationError as exc:
        errors.extend(exc.messages)
    receipt_number = str(receipt_number or "").strip()
    if len(receipt_number) > 40:
        errors.append(_("收据号不能超过 40 个字符。"))
    if errors:
        raise ValidationError(errors)
    payment = record_payment(actor, m, period=period, amount=amount, receipt_number=receipt_number, method=method)
    payment.paid_on = paid_on
    payment.save(update_fields=["paid_on"])
    return payment


def refresh_statuses(today: dt.date | None = None) -> dict[str, int]:
    """Set-based: one UPDATE per status, touching only rows whose status is wrong."""
    today = today or timezone.localdate()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for status, q in status_filters(today).items():
            counts[str(status)] = Membership.objects.filter(q).exclude(status=status).update(status=status)
    return counts
