"""单位入会 (decision 0036): a unit (企业、高校、科研院所、医院 …) applies online to become a group member (单位会员) of
a society; the society approves (a ``GroupMembership`` with a number), returns it for changes, or rejects it with a
reason, within the society's decision deadline (the reminders and escalation of personal applications run over
these too: ``remind_and_escalate_groups`` from the same daily job).

Who may act:

- apply, resubmit, withdraw: the signed-in account that applied for the unit (经办人);
- approve, return, reject: staff with ``members.change`` over the society's current path;
- reading (and the letter): the applicant, or staff with ``members.view`` over the society.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.core.audit import log_action, snapshot
from kexie.core.services import require
from kexie.core.validators import normalize_phone, normalize_uscc, validate_phone, validate_uscc
from kexie.innovation.models import Enterprise
from kexie.members.joining.services import _society_staff, due_line, sweep_society_deadlines
from kexie.members.models import ENDED, GroupMembership, Status
from kexie.members.models_joining import (
    LETTER_MAX_BYTES,
    LETTER_SIGNATURES,
    OPEN_STATUSES,
    ApplicationAction,
    ApplicationStatus,
    GroupApplication,
    GroupApplicationEvent,
    JoinSettings,
    UnitKind,
)
from kexie.members.status import status_for
from kexie.notices.services import notify
from kexie.orgs.models import Organisation, Region
from kexie.reviewing.steps import Review

FLOW = GroupApplication.WORKFLOW
REVIEW = Review(model=GroupApplication, event_model=GroupApplicationEvent, event_link="application",
                actions=ApplicationAction, audit_prefix="members.groupapplication", decide_action="members.change",
                related=("society", "applicant"), reason_missing=gettext_lazy("请填写理由，申请单位会看到它。"),
                place=lambda app: app.society.path)  # the society's current place
GM_FIELDS = ("member", "unit_name", "unit_uscc", "society", "number", "status", "joined_on", "dues_paid_through",
             "representative")


@dataclass(frozen=True)
class UnitInput:
    """What the applicant declares about the unit."""

    unit_name: str
    unit_uscc: str
    unit_kind: str
    region: Region | None
    contact_name: str
    contact_phone: str
    statement: str


def _url(app: GroupApplication) -> str:
    return reverse("members:group-application", args=[app.pk])


def is_group_applicant(user: Any, app: GroupApplication) -> bool:
    return bool(getattr(user, "pk", None)) and app.applicant_id == user.pk


# ---- checks -----------------------------------------------------------------------------------------------
def clean_unit(data: UnitInput) -> UnitInput:
    """The declared unit, normalised; every problem at once, in Chinese."""
    errors: list[str] = []
    name = " ".join((data.unit_name or "").split())
    if not name:
        errors.append(_("请填写单位名称。"))
    elif len(name) > 120:
        errors.append(_("单位名称不能超过 120 字。"))
    code = normalize_uscc(data.unit_uscc or "")
    if not code:
        errors.append(_("请填写统一社会信用代码。"))
    else:
        try:
            validate_uscc(code)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if data.unit_kind not in UnitKind.values:
        errors.append(_("请选择单位类型。"))
    if data.region is None:
        errors.append(_("请选择单位所在地区。"))
    contact = (data.contact_name or "").strip()
    if not contact:
        errors.append(_("请填写联系人姓名。"))
    elif len(contact) > 40:
        errors.append(_("联系人姓名不能超过 40 字。"))
    phone = normalize_phone(data.contact_phone or "")
    if not phone:
        errors.append(_("请填写联系人电话。"))
    else:
        try:
            validate_phone(phone)
        except ValidationError:
            errors.append(_("联系人电话格式不正确：手机号应为以1开头的11位数字，座机应为“区号-号码”。"))
    statement = (data.statement or "").strip()
    if not statement:
        errors.append(_("请填写入会申请陈述。"))
    elif len(statement) > 2000:
        errors.append(_("入会申请陈述不能超过 2000 字。"))
    if errors:
        raise ValidationError(errors)
    return UnitInput(name, code, data.unit_kind, data.region, contact, phone, statement)


def check_letter(upload: UploadedFile | None) -> str:
    """单位公函: PDF, PNG or JPEG up to 5 MB whose first bytes match its extension. Returns the extension."""
    if upload is None:
        return ""
    name = str(upload.name or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in LETTER_SIGNATURES:
        raise ValidationError(_("单位公函只接受 PDF、PNG 或 JPG 文件。"))
    if not upload.size:
        raise ValidationError(_("单位公函是空文件，请重新选择。"))
    if upload.size > LETTER_MAX_BYTES:
        raise ValidationError(_("单位公函不能超过 %(mb)s MB。") % {"mb": LETTER_MAX_BYTES // (1024 * 1024)})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in LETTER_SIGNATURES[ext]):
        raise ValidationError(_("单位公函的内容与文件类型不符，请上传真实的 PDF 或图片文件。"))
    return ext


def _store_letter(app: GroupApplication, upload: UploadedFile | None, ext: str) -> None:
    if upload is None:
        return
    if app.letter:
        app.letter.delete(save=False)
    app.letter.save(f"{uuid.uuid4().hex}.{ext}", upload, save=False)
    app.letter_name = str(upload.name)[:200]


def link_unit(code: str) -> tuple[Organisation | None, Enterprise | None]:
    """The unit's organisation in the tree (an enterprise or university 科协 …) and its innovation enterprise, by
    credit code."""
    org: Organisation | None = Organisation.objects.filter(uscc=code, deleted_at__isnull=True).first()
    ent: Enterprise | None = Enterprise.objects.filter(uscc=code, deleted_at__isnull=True).first()
    return org, ent


def live_group_membership(society: Organisation, code: str, org: Organisation | None) -> GroupMembership | None:
    q = Q(unit_uscc=code) | (Q(member=org) if org is not None else Q(pk__in=[]))
    gm: GroupMembership | None = (GroupMembership.objects.filter(q, society_id=society.pk, deleted_at__isnull=True)
                                  .exclude(status__in=ENDED).first())
    return gm


def open_group_application(society: Organisation, code: str) -> GroupApplication | None:
    app: GroupApplication | None = GroupApplication.objects.filter(
        society_id=society.pk, unit_uscc=code, status__in=OPEN_STATUSES).first()
    return app


def group_settings(society_id: int) -> JoinSettings:
    """The society's settings under a row lock (one application at a time), if it takes group members online."""
    s: JoinSettings | None = JoinSettings.objects.select_for_update().filter(society_id=society_id).first()
    if s is None or not s.accepts_groups or not JoinSettings.objects.for_public().filter(pk=s.pk).exists():
        raise ValidationError(_("该学会暂未开放单位会员网上入会。"))
    return s


def _check_unit(society: Organisation, data: UnitInput, exclude: int | None = None) -> tuple[Any, Any]:
    if society.uscc and society.uscc == data.unit_uscc:
        raise ValidationError(_("会员单位不能是学会本身。"))
    org, ent = link_unit(data.unit_uscc)
    if org is not None and org.pk == society.pk:
        raise ValidationError(_("会员单位不能是学会本身。"))
    if live_group_membership(society, data.unit_uscc, org) is not None:
        raise ValidationError(_("该单位已是%(s)s的单位会员，无需再次申请。") % {"s": society.name})
    other = open_group_application(society, data.unit_uscc)
    if other is not None and other.pk != exclude:
        raise ValidationError(_("该单位已向%(s)s提交单位入会申请，请等待审批结果。") % {"s": society.name})
    return org, ent


# ---- the applicant ----------------------------------------------------------------------------------------
@transaction.atomic
def apply_group(actor: Any, society: Organisation, data: UnitInput,
                letter: UploadedFile | None = None) -> GroupApplication:
    """单位入会申请: a signed-in account applies for its unit to an open society that takes group members."""
    if not getattr(actor, "pk", None) or not getattr(actor, "is_active", False):
        raise PermissionDenied(_("请先登录，再申请单位入会。"))
    settings = group_settings(society.pk)
    data = clean_unit(data)
    ext = check_letter(letter)
    org, ent = _check_unit(society, data)
    now = timezone.now()
    app = GroupApplication(
        applicant=actor, society=society, org_path=society.path, unit_name=data.unit_name, unit_uscc=data.unit_uscc,
        unit_kind=data.unit_kind, region=data.region, organisation=org, enterprise=ent, contact_name=data.contact_name,
        contact_phone=data.contact_phone, statement=data.statement, submitted_at=now,
        due_at=now + dt.timedelta(days=settings.decision_days))
    _store_letter(app, letter, ext)
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError:  # the same unit, at the same moment, from another account
        if app.letter:
            app.letter.delete(save=False)
        raise ValidationError(_("该单位已向%(s)s提交单位入会申请，请等待审批结果。") % {"s": society.name}) from None
    REVIEW.record(actor, app, "submitted", ApplicationAction.SUBMITTED, after=REVIEW.snapshot(app))
    notify(_society_staff(society), title=_("新的单位入会申请：%(u)s → %(s)s") % {"u": app.unit_name, "s": society.name},
           body=due_line(app), url=_url(app), key=f"members-application-group-{app.pk}")
    return app


@transaction.atomic
def resubmit_group(actor: Any, app: GroupApplication, data: UnitInput, letter: UploadedFile | None = None,
                   clear_letter: bool = False) -> GroupApplication:
    """The applicant corrects a returned application and submits it again: a new deadline, new reminders."""
    app = REVIEW.own(actor, app, is_group_applicant, _("只有提交申请的经办人可以修改单位入会申请。"))
    FLOW.check(app, "resubmit")
    settings = group_settings(app.society_id)
    data = clean_unit(data)
    ext = check_letter(letter)
    org, ent = _check_unit(app.society, data, exclude=app.pk)
    before = REVIEW.snapshot(app)
    app.unit_name, app.unit_uscc, app.unit_kind, app.region = data.unit_name, data.unit_uscc, data.unit_kind, data.region
    app.contact_name, app.contact_phone, app.statement = data.contact_name, data.contact_phone, data.statement
    app.organisation, app.enterprise = org, ent
    if letter is not None:
        _store_letter(app, letter, ext)
    elif clear_letter and app.letter:
        app.letter.delete(save=False)
        app.letter_name = ""
    FLOW.apply(app, "resubmit")
    now = timezone.now()
    app.submitted_at, app.due_at = now, now + dt.timedelta(days=settings.decision_days)
    app.reason, app.reminded_at, app.escalated_at = "", None, None
    app.save()
    REVIEW.record(actor, app, "resubmitted", ApplicationAction.RESUBMITTED, before=before,
                  after=REVIEW.snapshot(app))
    rounds = app.events.filter(action=ApplicationAction.RESUBMITTED).count()
    notify(_society_staff(app.society),
           title=_("单位入会申请已重新提交：%(u)s → %(s)s") % {"u": app.unit_name, "s": app.society.name},
           url=_url(app), key=f"members-application-group-{app.pk}-r{rounds}")
    return app


@transaction.atomic
def withdraw_group(actor: Any, app: GroupApplication) -> GroupApplication:
    withdrawn: GroupApplication = REVIEW.withdraw(actor, app, is_group_applicant,
                                                  _("只有提交申请的经办人可以撤回单位入会申请。"))
    return withdrawn


# ---- the society ------------------------------------------------------------------------------------------
def _group_number(society: Organisation, today: dt.date) -> str:
    """单位会员号: prefix (the society's code unless set) - G year - sequence, under the settings row's lock;
    numbers already taken (imported ones) are skipped."""
    s: JoinSettings | None = JoinSettings.objects.select_for_update().filter(society_id=society.pk).first()
    prefix = ((s.number_prefix if s else "") or society.code)[:24]
    stem = f"{prefix}-G{today.year}-"
    seq = GroupMembership.objects.filter(society_id=society.pk, number__startswith=stem).count()
    while True:
        seq += 1
        number = f"{stem}{seq:04d}"
        if not GroupMembership.objects.filter(society_id=society.pk, number=number).exists():
            return number


@transaction.atomic
def approve_group(actor: Any, app: GroupApplication) -> GroupMembership:
    """批准单位入会: the unit becomes a group member in good standing with a number; its first year counts from the
    approval (dues paid through 31 December, as for personal members)."""
    app, before = REVIEW.decide(actor, app, "approve")
    society: Organisation = app.society
    org = app.organisation if app.organisation_id and app.organisation and app.organisation.deleted_at is None \
        else None
    if live_group_membership(society, app.unit_uscc, org) is not None:
        raise ValidationError(_("该单位已是%(s)s的单位会员。") % {"s": society.name})
    today = timezone.localdate()
    paid = dt.date(today.year, 12, 31)
    gm = GroupMembership(member=org, unit_name=app.unit_name, unit_uscc=app.unit_uscc, society=society,
                         org_path=society.path, number=_group_number(society, today), joined_on=today,
                         dues_paid_through=paid, representative=app.contact_name[:40],
                         status=status_for(joined_on=today, dues_paid_through=paid, category="member",
                                           current=Status.PENDING, today=today))
    gm.save()
    log_action(actor, "members.groupmembership.approved", gm, scope_path=gm.org_path,
               after=snapshot(gm, GM_FIELDS), extra={"application": app.pk})
    REVIEW.finish_approval(actor, app, before, "group_membership", gm, gm.number)
    notify([app.applicant], title=_("单位入会申请已通过：%(u)s → %(s)s") % {"u": app.unit_name, "s": society.name},
           body=_("单位会员号 %(n)s。") % {"n": gm.number}, url=_url(app), key=f"members-result-group-{app.pk}")
    return gm


def _tell_refused(app: GroupApplication, returned: bool) -> None:
    title = (_("单位入会申请被退回修改：%(u)s → %(s)s") if returned else _("单位入会申请未通过：%(u)s → %(s)s")) % {
        "u": app.unit_name, "s": app.society.name}
    n = app.events.filter(action=ApplicationAction.RETURNED).count()
    notify([app.applicant], title=title, body=app.reason, url=_url(app),
           key=f"members-result-group-{app.pk}-{'r' + str(n) if returned else 'x'}")


return_group = REVIEW.refusal("return", _tell_refused)  # 退回修改 (reason shown); the applicant corrects, resubmits
reject_group = REVIEW.refusal("reject", _tell_refused)  # 不予批准 with a reason the applicant sees


def remind_and_escalate_groups(now: dt.datetime | None = None) -> dict[str, int]:
    """Daily, beside the personal applications': the society's staff are reminded ``REMIND_DAYS`` before the
    deadline, the organisation above is told once it has passed. Once each per deadline."""
    waiting = GroupApplication.objects.filter(status=ApplicationStatus.SUBMITTED).select_related("society")
    return sweep_society_deadlines(
        waiting, REVIEW, now, url=_url, stem="group-",
        title=lambda app, late: (_("单位入会申请逾期未办理：%(u)s → %(s)s") if late
                                 else _("单位入会申请即将到期：%(u)s → %(s)s")) % {"u": app.unit_name, "s": app.society.name})


# ---- reading ----------------------------------------------------------------------------------------------
def reveal_contact_phone(actor: Any, app: GroupApplication, ip: str | None = None) -> str:
    """The contact's full phone, for the society's staff (``members.change`` over it) who need to call; every view
    is logged (``PiiAccess``), as a person's full number is."""
    from django.contrib.contenttypes.models import ContentType

    from kexie.core.models import PiiAccess

    fresh: GroupApplication = GroupApplication.objects.select_related("society").get(pk=app.pk)
    require(actor, "members.change", fresh.society.path)
    PiiAccess.objects.create(user=actor, content_type=ContentType.objects.get_for_model(GroupApplication),
                             object_id=fresh.pk, field="contact_phone", ip=ip, scope_path=fresh.org_path)
    phone: str = fresh.contact_phone
    return phone


def my_group_applications(user: Any) -> QuerySet[GroupApplication]:
    if not getattr(user, "pk", None):
        return GroupApplication.objects.none()
    return (GroupApplication.objects.filter(applicant_id=user.pk)
            .select_related("society", "group_membership").order_by("-submitted_at", "-id"))


def group_queue(user: Any) -> QuerySet[GroupApplication]:
    return GroupApplication.objects.for_user(user, "members.view").select_related("society", "region")
