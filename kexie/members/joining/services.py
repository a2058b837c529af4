"""网上入会 (SPEC §3.11, decision 0030): the directory of societies open for joining, join settings, applications
with approval, return and rejection within a deadline (reminders, escalation), membership numbers, dues payments
with renewal reminders, and membership certificates that anyone may verify by their code.

Who may act:

- apply, resubmit, withdraw: the applicant's own account, linked to a registry person (实名认证);
- approve, return, reject, settings, dues, revoking a certificate: staff with ``members.change`` over the society;
- the e-card and the certificate: the member's own account, or staff with ``members.view`` over the society;
- verification: anyone, by code; it shows a masked name and never more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.accounts.services import users_at
from kexie.core.audit import log_action, snapshot
from kexie.core.crypto import blind_index
from kexie.core.scope import user_can
from kexie.core.services import require
from kexie.core.validators import validate_phone
from kexie.innovation.limits import bounded
from kexie.members.models import (
    ENDED,
    Category,
    EventKind,
    GroupMembership,
    Membership,
    MembershipEvent,
    Status,
)
from kexie.members.models_joining import (
    JOINABLE_KINDS,
    OPEN_STATUSES,
    ApplicationAction,
    ApplicationEvent,
    ApplicationStatus,
    DuesPayment,
    JoinSettings,
    MembershipApplication,
    MembershipCertificate,
    PaymentMethod,
    Referee,
    normalise_code,
)
from kexie.members.status import status_for
from kexie.notices.services import notify
from kexie.orgs.models import Organisation
from kexie.people.models import Person
from kexie.reviewing.steps import Review, acting_user, sweep_deadlines

FLOW = MembershipApplication.WORKFLOW
REVIEW = Review(model=MembershipApplication, event_model=ApplicationEvent, event_link="application",
                actions=ApplicationAction, audit_prefix="members.application", decide_action="members.change",
                related=("society", "person"), reason_missing=gettext_lazy("请填写理由，申请人会看到它。"))
REMIND_DAYS = 3  # the society is reminded this many days before the decision deadline
RENEWAL_DAYS = 30  # members are reminded this many days before their dues run out
GOOD_STANDING = (Status.NEW, Status.CURRENT, Status.GRACE)


_user = acting_user
_event = REVIEW.event  # the demo (kexie/demo/joining.py) writes a seeded application's history through it


def _app_url(app: MembershipApplication) -> str:
    return reverse("members:application", args=[app.pk])


# ---- who is who -------------------------------------------------------------------------------------------
def person_of(user: Any) -> Person | None:
    """The registry person linked to a signed-in account (实名认证 links them), or ``None``."""
    if not getattr(user, "pk", None):
        return None
    person: Person | None = Person.objects.filter(user_id=user.pk, deleted_at__isnull=True).first()
    return person


def is_applicant(user: Any, app: MembershipApplication) -> bool:
    return bool(getattr(user, "pk", None)) and Person.objects.filter(pk=app.person_id, user_id=user.pk).exists()


def is_society_staff(user: Any, path: str, action: str = "members.change") -> bool:
    return bool(getattr(user, "pk", None)) and user_can(user, action, path)


def is_member_self(user: Any, m: Membership) -> bool:
    return bool(getattr(user, "pk", None)) and Person.objects.filter(pk=m.person_id, user_id=user.pk).exists()


def can_open_membership(user: Any, m: Membership) -> bool:
    return is_member_self(user, m) or is_society_staff(user, m.org_path, "members.view")


def _society_staff(society: Organisation) -> list[Any]:
    return list(users_at([society.pk], "members.change").get(society.pk, []))


def _parent_staff(society: Organisation) -> list[Any]:
    if society.depth <= 1:
        return []
    parent: Organisation | None = Organisation.objects.filter(path=society.path[: -Organisation.steplen]).first()
    if parent is None:
        return []
    return list(users_at([parent.pk], "members.change").get(parent.pk, []))


# ---- the directory ----------------------------------------------------------------------------------------
def directory(*, q: str = "", discipline: str = "", region: str = "", employer: str = "") -> QuerySet[JoinSettings]:
    """Societies open for joining (``JoinSettings.public_q``), narrowed by name, discipline (the first-level
    GB/T 13745 code the society declares), region (GB/T 2260 code: the region or any region below it) and employer
    (societies the employer is a group member (单位会员) of)."""
    qs = JoinSettings.objects.for_public().select_related("society", "society__region", "society__kind")
    q = (q or "").strip()[:40]
    if q:
        qs = qs.filter(society__name__contains=q)
    code = "".join(ch for ch in (discipline or "") if ch.isdigit())[:3]
    if code:
        qs = qs.filter(pk__in=JoinSettings.disciplines.through.objects.filter(discipline__code=code)
                       .values("joinsettings_id"))
    region_code = "".join(ch for ch in (region or "") if ch.isdigit())[:12]
    if region_code:
        prefix = region_code
        while prefix.endswith("00") and len(prefix) > 2:
            prefix = prefix[:-2]
        qs = qs.filter(society__region__code__startswith=prefix)
    employer = (employer or "").strip()[:60]
    if employer:
        qs = qs.filter(society_id__in=_live_groups().filter(member__name__contains=employer).values("society_id"))
    return qs.order_by("society__path")


def _live_groups() -> QuerySet[GroupMembership]:
    return GroupMembership.objects.filter(deleted_at__isnull=True).exclude(status__in=ENDED)


def recommendations(person: Person, limit: int = 6) -> list[JoinSettings]:
    """Open societies in the person's disciplines (first level), then those the employer is a group member of;
    none the person already belongs to or has an open application with."""
    codes = sorted({c[:3] for c in person.disciplines.values_list("code", flat=True)})
    taken = set(Membership.objects.filter(person=person, deleted_at__isnull=True).exclude(status__in=ENDED)
                .values_list("society_id", flat=True))
    taken |= set(MembershipApplication.objects.filter(person=person, status__in=OPEN_STATUSES)
                 .values_list("society_id", flat=True))
    base = JoinSettings.objects.for_public().select_related("society", "society__region", "society__kind")
    found: list[JoinSettings] = []
    if codes:
        through = JoinSettings.disciplines.through.objects.filter(discipline__code__in=codes)
        found = list(base.filter(pk__in=through.values("joinsettings_id")).exclude(society_id__in=taken)
                     .order_by("society__path")[:limit])
    if len(found) < limit and person.employer_id:
        more = (base.filter(society_id__in=_live_groups().filter(member_id=person.employer_id).values("society_id"))
                .exclude(society_id__in=taken | {s.society_id for s in found}).order_by("society__path"))
        found += list(more[: limit - len(found)])
    return found


# ---- settings ---------------------------------------------------------------------------------------------
def joinable(society: Organisation) -> bool:
    return society.kind.code in JOINABLE_KINDS and society.deleted_at is None


@transaction.atomic
def save_settings(actor: Any, society: Organisation, data: dict[str, Any]) -> JoinSettings:
    """入会设置 of a society, from the settings form's cleaned data (``is_open``, ``categories``,
    ``referees_required``, ``decision_days``, ``dues`` {category: yuan}, ``intro``, ``number_prefix``,
    ``disciplines``)."""
    fresh: Organisation = Organisation.objects.select_for_update().get(pk=society.pk)
    require(actor, "members.change", fresh.path)
    if not joinable(fresh):
        raise ValidationError(_("只有学会、学会分支机构和农技协可以开放网上入会。"))
    categories = [c for c in data.get("categories", []) if c in Category.values]
    if data.get("is_open") and not categories:
        raise ValidationError(_("开放网上入会时至少选择一种会员类别。"))
    obj, created = JoinSettings.objects.get_or_create(society=fresh, defaults={"org_path": fresh.path})
    before = None if created else snapshot(obj, JoinSettings.AUDIT_FIELDS)
    obj.org_path = fresh.path
    obj.is_open = bool(data.get("is_open"))
    obj.categories = categories
    obj.referees_required = int(data.get("referees_required") or 0)
    obj.decision_days = int(data.get("decision_days") or 15)
    obj.dues = {c: max(0, int(v or 0)) for c, v in dict(data.get("dues") or {}).items() if c in categories}
    obj.intro = bounded(data.get("intro"), 2000, _("入会须知"))
    obj.number_prefix = bounded(data.get("number_prefix"), 20, _("会员号前缀"))
    obj.accepts_groups = bool(data.get("accepts_groups"))
    obj.full_clean(exclude=["society", "org_path", "disciplines"])
    obj.save()
    if "disciplines" in data:
        obj.disciplines.set(list(data["disciplines"]))
    log_action(actor, "members.joinsettings.changed", obj, scope_path=obj.org_path, before=before,
               after=snapshot(obj, JoinSettings.AUDIT_FIELDS))
    return obj


# ---- applying ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RefereeInput:
    name: str
    employer: str = ""
    phone: str = ""


def _check_referees(settings: JoinSettings, referees: Sequence[RefereeInput], person: Person) -> list[RefereeInput]:
    cleaned = [RefereeInput(bounded(r.name, 40, _("推荐人姓名")), bounded(r.employer, 120, _("推荐人工作单位")),
                            bounded(r.phone, 20, _("推荐人联系电话")))
               for r in referees if r.name.strip() or r.phone.strip()]
    errors: list[str] = []
    if len(cleaned) < settings.referees_required:
        errors.append(_("该学会入会需要 %(n)s 位推荐人。") % {"n": settings.referees_required})
    for r in cleaned:
        if not r.name or not r.employer or not r.phone:
            errors.append(_("请填写每位推荐人的姓名、工作单位和联系电话。"))
            break
        try:
            validate_phone(r.phone)
        except ValidationError:
            errors.append(_("推荐人%(name)s的联系电话格式不正确。") % {"name": r.name})
    if len({r.phone for r in cleaned}) < len(cleaned):
        errors.append(_("推荐人不能重复。"))
    if any(r.name == person.name and r.phone and person.phone_hash
           and blind_index(r.phone) == person.phone_hash for r in cleaned):
        errors.append(_("不能推荐自己。"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save_referees(app: MembershipApplication, referees: Sequence[RefereeInput]) -> None:
    """An outsider stays a name, employer and phone; a referee whose name and phone match a registry person is
    linked to that person (the applicant never searches the registry)."""
    app.referees.all().delete()
    for r in referees:
        match = Person.objects.filter(phone_hash=blind_index(r.phone), name=r.name, deleted_at__isnull=True).first()
        Referee.objects.create(application=app, person=match, name=r.name, employer=r.employer, phone=r.phone)


def _check_statement(settings: JoinSettings, category: str, statement: str) -> str:
    errors: list[str] = []
    if category not in settings.categories:
        errors.append(_("该学会不接受此类别的网上入会申请。"))
    statement = (statement or "").strip()
    if not statement:
        errors.append(_("请填写入会申请陈述。"))
    elif len(statement) > 2000:
        errors.append(_("入会申请陈述不能超过 2000 字。"))
    if errors:
        raise ValidationError(errors)
    return statement


def live_membership(person: Person, society: Organisation) -> Membership | None:
    m: Membership | None = (Membership.objects.filter(person=person, society=society, deleted_at__isnull=True)
                            .exclude(status__in=ENDED).first())
    return m


def open_application(person: Person, society: Organisation) -> MembershipApplication | None:
    app: MembershipApplication | None = MembershipApplication.objects.filter(
        person=person, society=society, status__in=OPEN_STATUSES).first()
    return app


@transaction.atomic
def apply(actor: Any, society: Organisation, *, category: str, statement: str,
          referees: Sequence[RefereeInput] = ()) -> MembershipApplication:
    """申请入会: the signed-in person applies to an open society."""
    person = person_of(actor)
    if person is None:
        raise PermissionDenied(_("请先完成实名认证，再申请入会。"))
    settings = JoinSettings.objects.select_for_update().filter(society_id=society.pk).first()  # one at a time
    if settings is None or not JoinSettings.objects.for_public().filter(pk=settings.pk).exists():
        raise ValidationError(_("该学会暂未开放网上入会。"))
    m = live_membership(person, society)
    if m is not None and m.status != Status.PENDING:
        raise ValidationError(_("您已是%(s)s会员，无需再次申请。") % {"s": society.name})
    if open_application(person, society) is not None:
        raise ValidationError(_("您已向%(s)s提交入会申请，请等待审批结果。") % {"s": society.name})
    statement = _check_statement(settings, category, statement)
    cleaned = _check_referees(settings, referees, person)
    now = timezone.now()
    app = MembershipApplication.objects.create(
        person=person, society=society, org_path=society.path, category=category, statement=statement,
        submitted_at=now, due_at=now + dt.timedelta(days=settings.decision_days))
    _save_referees(app, cleaned)
    REVIEW.record(actor, app, "submitted", ApplicationAction.SUBMITTED, after=REVIEW.snapshot(app))
    notify(_society_staff(society), title=_("新的入会申请：%(p)s → %(s)s") % {"p": person.name, "s": society.name},
           body=due_line(app), url=_app_url(app), key=f"members-application-{app.pk}")
    return app


@transaction.atomic
def resubmit(actor: Any, app: MembershipApplication, *, category: str, statement: str,
             referees: Sequence[RefereeInput] = ()) -> MembershipApplication:
    """The applicant edits a returned application and submits it again: a new deadline, new reminders."""
    app = REVIEW.own(actor, app, is_applicant, _("只有申请人本人可以修改入会申请。"))
    FLOW.check(app, "resubmit")
    settings = JoinSettings.objects.select_for_update().filter(society_id=app.society_id).first()
    if settings is None or not JoinSettings.objects.for_public().filter(pk=settings.pk).exists():
        raise ValidationError(_("该学会暂未开放网上入会。"))
    before = REVIEW.snapshot(app)
    app.statement = _check_statement(settings, category, statement)
    app.category = category
    cleaned = _check_referees(settings, referees, app.person)
    FLOW.apply(app, "resubmit")
    now = timezone.now()
    app.submitted_at, app.due_at = now, now + dt.timedelta(days=settings.decision_days)
    app.reason, app.reminded_at, app.escalated_at = "", None, None
    app.save()
    _save_referees(app, cleaned)
    REVIEW.record(actor, app, "resubmitted", ApplicationAction.RESUBMITTED, before=before,
                  after=REVIEW.snapshot(app))
    rounds = app.events.filter(action=ApplicationAction.RESUBMITTED).count()
    notify(_society_staff(app.society),
           title=_("入会申请已重新提交：%(p)s → %(s)s") % {"p": app.person.name, "s": app.society.name},
           url=_app_url(app), key=f"members-application-{app.pk}-r{rounds}")
    return app


@transaction.atomic
def withdraw(actor: Any, app: MembershipApplication) -> MembershipApplication:
    withdrawn: MembershipApplication = REVIEW.withdraw(actor, app, is_applicant, _("只有申请人本人可以撤回入会申请。"))
    return withdrawn


def _issue_number(society: Organisation, today: dt.date) -> str:
    """会员号: prefix (the society's code unless set) - year - sequence, from the settings row held under a lock;
    numbers already taken (imported ones) are skipped."""
    s: JoinSettings = JoinSettings.objects.select_for_update().get(society_id=society.pk)
    if s.number_year != today.year:
        s.number_year, s.number_seq = today.year, 0
    prefix = (s.number_prefix or society.code)[:26]
    while True:
        s.number_seq += 1
        number = f"{prefix}-{today.year}-{s.number_seq:05d}"
        if not Membership.objects.filter(society_id=society.pk, number=number).exists():
            break
    s.save(update_fields=["number_year", "number_seq"])
    return number


@transaction.atomic
def approve(actor: Any, app: MembershipApplication) -> Membership:
    """批准入会: the membership (a new one, or the person's pending registry record) in good standing, with a
    number; its first year counts from the approval (dues paid through 31 December, decision 0030)."""
    app, before = REVIEW.decide(actor, app, "approve")
    society: Organisation = app.society
    existing = (Membership.objects.select_for_update().filter(person_id=app.person_id, society_id=society.pk,
                                                              deleted_at__isnull=True)
                .exclude(status__in=ENDED).first())
    if existing is not None and existing.status != Status.PENDING:
        raise ValidationError(_("申请人已是该学会会员。"))
    today = timezone.localdate()
    m = existing or Membership(person_id=app.person_id, society=society, org_path=society.path,
                               applied_on=timezone.localtime(app.submitted_at).date())
    m_before = snapshot(m, Membership.AUDIT_FIELDS) if existing else None
    m.category = app.category
    if not m.number:
        m.number = _issue_number(society, today)
    m.joined_on = today
    m.dues_paid_through = max(m.dues_paid_through or today, dt.date(today.year, 12, 31))
    m.status = status_for(joined_on=m.joined_on, dues_paid_through=m.dues_paid_through, category=m.category,
                          current=Status.PENDING, today=today)
    m.save()
    MembershipEvent.objects.create(membership=m, kind=EventKind.APPROVED, category=m.category, on=today,
                                   note=_("网上入会"), actor=_user(actor))
    log_action(actor, "members.membership.approved", m, scope_path=m.org_path, before=m_before,
               after=snapshot(m, Membership.AUDIT_FIELDS))
    REVIEW.finish_approval(actor, app, before, "membership", m, m.number)
    if app.person.user_id:
        notify([app.person.user], title=_("入会申请已通过：%(s)s") % {"s": society.name},
               body=_("会员号 %(n)s。") % {"n": m.number}, url=reverse("members:card", args=[m.pk]),
               key=f"members-result-{app.pk}")
    return m


def _tell_refused(app: MembershipApplication, returned: bool) -> None:
    if app.person.user_id:
        title = (_("入会申请被退回修改：%(s)s") if returned else _("入会申请未通过：%(s)s")) % {"s": app.society.name}
        n = app.events.filter(action=ApplicationAction.RETURNED).count()
        notify([app.person.user], title=title, body=app.reason, url=_app_url(app),
               key=f"members-result-{app.pk}-{'r' + str(n) if returned else 'x'}")


return_ = REVIEW.refusal("return", _tell_refused)  # 退回修改 (reason shown); the applicant edits and resubmits
reject = REVIEW.refusal("reject", _tell_refused)  # 不予批准 with a reason the applicant sees


def remind_and_escalate(now: dt.datetime | None = None) -> dict[str, int]:
    """Daily: applications waiting for a decision — the society's staff are reminded ``REMIND_DAYS`` before the
    deadline, and once it has passed the staff of the organisation above the society are told (督办). Once each
    per deadline (a resubmission sets a new one)."""
    waiting = MembershipApplication.objects.filter(status=ApplicationStatus.SUBMITTED).select_related(
        "society", "person")
    return sweep_society_deadlines(
        waiting, REVIEW, now, url=_app_url,
        title=lambda app, late: (_("入会申请逾期未办理：%(p)s → %(s)s") if late else _("入会申请即将到期：%(p)s → %(s)s"))
        % {"p": app.person.name, "s": app.society.name})


def sweep_society_deadlines(waiting: QuerySet[Any], review: Review, now: dt.datetime | None, *,
                            title: Callable[[Any, bool], str], url: Callable[[Any], str],
                            stem: str = "") -> dict[str, int]:
    """The deadline sweep of applications to a society (personal and unit ones): its staff reminded
    ``REMIND_DAYS`` before the deadline, its staff and those of the organisation above once it has passed;
    ``title(app, overdue)``; ``stem`` tells the unit applications' notice keys apart ("group-")."""

    def remind(app: Any) -> None:
        notify(_society_staff(app.society), title=title(app, False), body=due_line(app), url=url(app),
               key=f"members-application-{stem}due-{app.pk}-{app.due_at:%Y%m%d}")

    def escalate(app: Any) -> None:
        notify([*_society_staff(app.society), *_parent_staff(app.society)], title=title(app, True),
               body=_("%(s)s应于 %(d)s 前办理。") % {
                   "s": app.society.name, "d": timezone.localtime(app.due_at).strftime("%Y-%m-%d")},
               url=url(app), key=f"members-application-overdue-{stem}{app.pk}-{app.due_at:%Y%m%d}")

    return sweep_deadlines(waiting, review, now=now or timezone.now(), days=REMIND_DAYS, remind=remind,
                           escalate=escalate)


def due_line(app: Any) -> str:
    """The body of a notice to deciders: 请于 <deadline> 前办理。"""
    return _("请于 %(d)s 前办理。") % {"d": timezone.localtime(app.due_at).strftime("%Y-%m-%d")}


# ---- dues -------------------------------------------------------------------------------------------------
@transaction.atomic
def record_payment(actor: Any, membership: Membership, *, period: int, amount: Decimal | int, receipt_number: str,
                   method: str = PaymentMethod.MANUAL) -> DuesPayment:
    """登记会费: one year's payment with a receipt number unique in the society; dues are then paid through
    31 December of that year (never moved back)."""
    m: Membership = Membership.objects.select_for_update().select_related("society").get(pk=membership.pk)
    require(actor, "members.change", m.org_path)
    if m.deleted_at is not None or m.status in ENDED or m.status == Status.PENDING:
        raise ValidationError(_("只有在册会员可以登记缴费。"))
    errors: list[str] = []
    receipt_number = bounded(receipt_number, 40, _("收据号"))
    today = timezone.localdate()
    if not receipt_number:
        errors.append(_("请填写收据号。"))
    elif DuesPayment.objects.filter(society_id=m.society_id, receipt_number=receipt_number).exists():
        errors.append(_("收据号 %(r)s 已登记过。") % {"r": receipt_number})
    if not 2000 <= int(period) <= today.year + 5:
        errors.append(_("缴费年度不在有效范围内。"))
    if Decimal(amount) < 0:
        errors.append(_("金额不能为负数。"))
    if method not in PaymentMethod.values:
        errors.append(_("未知的缴费方式。"))
    if errors:
        raise ValidationError(errors)
    before, paid_before = snapshot(m, Membership.AUDIT_FIELDS), m.dues_paid_through
    payment = DuesPayment.objects.create(membership=m, society_id=m.society_id, org_path=m.org_path,
                                         period=int(period), amount=Decimal(amount), method=method,
                                         receipt_number=receipt_number, recorded_by=_user(actor))
    through = dt.date(int(period), 12, 31)
    if m.dues_paid_through is None or through > m.dues_paid_through:
        m.dues_paid_through = through
        m.status = status_for(joined_on=m.joined_on, dues_paid_through=through, category=m.category,
                              current=m.status, today=today)
        m.save()
    MembershipEvent.objects.create(membership=m, kind=EventKind.DUES, category=m.category, on=today,
                                   note=_("%(y)s 年度，收据号 %(r)s") % {"y": period, "r": receipt_number},
                                   actor=_user(actor))
    log_action(actor, "members.dues.recorded", payment, scope_path=m.org_path,
               extra={"membership": m.pk, "period": int(period), "amount": str(payment.amount),
                      "receipt_number": receipt_number, "method": method})
    if m.dues_paid_through != paid_before:
        log_action(actor, "members.membership.dues_paid", m, scope_path=m.org_path, before=before,
                   after=snapshot(m, Membership.AUDIT_FIELDS))
    return payment


def renewal_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Daily: members with an account whose dues run out within ``RENEWAL_DAYS`` are told once per period (the
    notice key names the paid-through date)."""
    today = today or timezone.localdate()
    due = (Membership.objects.filter(deleted_at__isnull=True, status__in=GOOD_STANDING,
                                     dues_paid_through__gte=today,
                                     dues_paid_through__lte=today + dt.timedelta(days=RENEWAL_DAYS),
                                     person__user__isnull=False, person__user__is_active=True)
           .exclude(category=Category.HONORARY).select_related("person__user", "society"))
    sent = 0
    for m in due.iterator(chunk_size=500):
        assert m.dues_paid_through is not None  # filtered above
        sent += notify([m.person.user], title=_("会费即将到期：%(s)s") % {"s": m.society.name},
                       body=_("会费缴至 %(d)s，请及时续缴。") % {"d": m.dues_paid_through.strftime("%Y-%m-%d")},
                       url=reverse("members:card", args=[m.pk]),
                       key=f"members-dues-{m.pk}-{m.dues_paid_through:%Y%m%d}")
    return {"reminded": sent}


# ---- certificates -----------------------------------------------------------------------------------------
@transaction.atomic
def certificate_for(actor: Any, membership: Membership) -> MembershipCertificate:
    """The membership's current certificate, issued on first request (the member or staff in scope)."""
    m: Membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not can_open_membership(actor, m):
        raise PermissionDenied(_("只有会员本人或学会工作人员可以查看会员证书。"))
    if m.deleted_at is not None or m.status in ENDED or m.status == Status.PENDING:
        raise ValidationError(_("会籍不在有效状态，不能出具会员证书。"))
    cert: MembershipCertificate | None = m.certificates.filter(revoked_at__isnull=True).first()
    if cert is None:
        cert = MembershipCertificate.objects.create(membership=m, org_path=m.org_path)
        log_action(actor, "members.certificate.issued", cert, scope_path=m.org_path,
                   extra={"membership": m.pk})
    return cert


@transaction.atomic
def revoke_certificate(actor: Any, cert: MembershipCertificate) -> MembershipCertificate:
    fresh: MembershipCertificate = MembershipCertificate.objects.select_for_update().get(pk=cert.pk)
    require(actor, "members.change", fresh.org_path)
    if fresh.revoked_at is not None:
        raise ValidationError(_("该证书已作废。"))
    fresh.revoked_at = timezone.now()
    fresh.save(update_fields=["revoked_at"])
    log_action(actor, "members.certificate.revoked", fresh, scope_path=fresh.org_path,
               extra={"membership": fresh.membership_id})
    return fresh


def mask_name(name: str) -> str:
    """张* / 王*明 / 欧阳**华: the first and (from three characters) the last character."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name + "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass(frozen=True)
class Verification:
    state: str  # valid / expired / revoked / unknown
    society: str = ""
    category: str = ""
    number: str = ""
    name: str = ""  # masked
    valid_through: dt.date | None = None
    issued_on: dt.date | None = None


def verify(code: Any) -> Verification:
    """What an anonymous visitor learns from a certificate's code, and nothing more."""
    text = normalise_code(code)
    if len(text) != 16:
        return Verification("unknown")
    cert: MembershipCertificate | None = (MembershipCertificate.objects.select_related(
        "membership__person", "membership__society").filter(code=text).first())
    if cert is None:
        return Verification("unknown")
    m = cert.membership
    if cert.revoked_at is not None or m.deleted_at is not None or m.status in ENDED:
        state = "revoked"
    elif m.status in GOOD_STANDING:
        state = "valid"
    else:
        state = "expired"
    return Verification(state, society=m.society.name, category=m.get_category_display(), number=m.number,
                        name=mask_name(m.person.name), valid_through=m.dues_paid_through,
                        issued_on=timezone.localtime(cert.issued_at).date())


def my_memberships(person: Person) -> QuerySet[Membership]:
    return (Membership.objects.filter(person=person, deleted_at__isnull=True).select_related("society")
            .order_by("status", "-joined_on", "-id"))


def my_applications(person: Person) -> QuerySet[MembershipApplication]:
    return MembershipApplication.objects.filter(person=person).select_related("society").order_by("-submitted_at")


def staff_queue(user: Any) -> QuerySet[MembershipApplication]:
    return MembershipApplication.objects.for_user(user, "members.view").select_related("society", "person")


def referee_inputs(rows: Iterable[dict[str, Any]]) -> list[RefereeInput]:
    return [RefereeInput(str(r.get("name") or ""), str(r.get("employer") or ""), str(r.get("phone") or ""))
            for r in rows if r]


def q_open() -> Q:
    return Q(status__in=OPEN_STATUSES)

