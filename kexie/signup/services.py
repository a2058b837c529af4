"""Writes of individual accounts (decision 0028): verification codes, registration, real-name verification and
claiming a registry record, consent records, account deletion. Individuals act on their own account only; staff
decide claims in the scope of the record's organisation."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.crypto import blind_index
from kexie.core.services import SYSTEM, require
from kexie.core.validators import (
    id_birth_date,
    id_gender,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
)
from kexie.innovation.limits import SHORT_REASON, too_long
from kexie.notices.services import notify
from kexie.orgs import counts
from kexie.orgs.models import Level, Organisation
from kexie.people.models import Person
from kexie.people.services import person_search_text
from kexie.signup.models import (
    Channel,
    ClaimRequest,
    ClaimStatus,
    Consent,
    Contact,
    DeletionRequest,
    DeletionStatus,
    Purpose,
    VerificationCode,
)
from kexie.signup.recipients import deciders
from kexie.signup.sms import send_sms

CODE_TTL = dt.timedelta(minutes=10)
CODE_ATTEMPTS = 5
RESEND_SECONDS = 60
DELETION_GRACE = dt.timedelta(days=15)
CONSENT_VERSION = "2026-1"  # the version of the privacy notice and of the purposes' texts
ASSOCIATION_LEVELS = (Level.CITY, Level.COUNTY)
ERASED_NAME = "已注销"

# What a public expert profile shows (and nothing else: never the ID number, the phone or the e-mail).
PUBLIC_FIELDS = ("name", "title", "employer_name", "disciplines", "expertise", "bio")


# ---- verification codes -----------------------------------------------------------------------------------------

def normalize_target(channel: str, value: str) -> str:
    """The phone number (mainland mobile, without +86) or the lower-cased e-mail address; a Chinese error else."""
    if channel == Channel.PHONE:
        phone = normalize_phone(value)
        if not (len(phone) == 11 and phone.isdigit() and phone.startswith("1") and phone[1] in "3456789"):
            raise ValidationError(_("请输入以1开头的11位手机号。"), code="phone")
        return phone
    if channel == Channel.EMAIL:
        email = (value or "").strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(_("请输入有效的电子邮箱地址。"), code="email") from None
        return email
    raise ValidationError(_("请选择手机号或电子邮箱。"), code="channel")


def target_digest(channel: str, target: str) -> str:
    return blind_index(f"{channel}:{target}")


def _code_digest(digest: str, code: str) -> str:
    return salted_hmac("kexie.signup.code", f"{digest}:{code}", algorithm="sha256").hexdigest()


def is_registered(channel: str, target: str) -> bool:
    if channel == Channel.PHONE:
        return Contact.objects.filter(phone_hash=blind_index(target)).exists()
    return (Contact.objects.filter(email__iexact=target).exists()
            or get_user_model().objects.filter(email__iexact=target, is_active=True).exists())


def already_registered_message(channel: str) -> str:
    if channel == Channel.PHONE:
        return _("该手机号已注册，请直接登录；忘记密码可通过“忘记密码？”找回。")
    return _("该电子邮箱已注册，请直接登录；忘记密码可通过“忘记密码？”找回。")


@transaction.atomic
def send_code(channel: str, value: str) -> VerificationCode:
    """Send a new 6-digit code to the phone or e-mail address (at most one per target every 60 seconds); only
    its keyed digest is stored. The per-address limit is the view's (``kexie.core.ratelimit``)."""
    target = normalize_target(channel, value)
    if is_registered(channel, target):
        raise ValidationError(already_registered_message(channel), code="registered")
    digest = target_digest(channel, target)
    now = timezone.now()
    last = (VerificationCode.objects.select_for_update().filter(target_digest=digest)
            .order_by("-created_at").first())
    if last is not None and (now - last.created_at).total_seconds() < RESEND_SECONDS:
        wait = RESEND_SECONDS - int((now - last.created_at).total_seconds())
        raise ValidationError(_("验证码已发送，请在 %(s)s 秒后再重新获取。") % {"s": wait}, code="throttled")
    VerificationCode.objects.filter(target_digest=digest, used_at__isnull=True).update(used_at=now)  # one live code
    code = f"{secrets.randbelow(10**6):06d}"
    row = VerificationCode.objects.create(channel=channel, target_digest=digest, code_digest=_code_digest(digest, code),
                                          created_at=now, expires_at=now + CODE_TTL)
    text = _("【科协数字平台】您的注册验证码是 %(code)s，10 分钟内有效。如非本人操作，请忽略。") % {"code": code}
    if channel == Channel.PHONE:
        transaction.on_commit(lambda: send_sms(target, text))
    else:
        transaction.on_commit(lambda: send_mail(_("科协数字平台注册验证码"), text, None, [target]))
    return row


def check_code(channel: str, value: str, code: str) -> str:
    """The normalised target when ``code`` is the live code sent to it (the code is used up); a Chinese error
    otherwise: no code, expired, wrong (attempts counted: after 5 the code is dead)."""
    target = normalize_target(channel, value)
    digest = target_digest(channel, target)
    with transaction.atomic():
        row = (VerificationCode.objects.select_for_update().filter(target_digest=digest, used_at__isnull=True)
               .order_by("-created_at").first())
        now = timezone.now()
        if row is None:
            raise ValidationError(_("请先获取验证码。"), code="no_code")
        if row.expires_at <= now:
            raise ValidationError(_("验证码已过期，请重新获取。"), code="expired")
        if row.attempts >= CODE_ATTEMPTS:
            raise ValidationError(_("验证码错误次数过多，请重新获取。"), code="attempts")
        if not hmac.compare_digest(row.code_digest, _code_digest(digest, (code or "").strip())):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = CODE_ATTEMPTS - row.attempts
            if left <= 0:
                message = _("验证码错误次数过多，请重新获取。")
            else:
                message = _("验证码不正确，还可尝试 %(n)s 次。") % {"n": left}
            wrong = ValidationError(message, code="wrong")
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            return target
    raise wrong  # raised after the block, so that the counted attempt is committed


# ---- registration -----------------------------------------------------------------------------------------------

@transaction.atomic
def register(channel: str, target: str, *, name: str, username: str, password: str,
             ip: str | None = None) -> Any:
    """Create the account of an individual whose phone or e-mail was just verified: no roles, the verified contact,
    the consent to the privacy notice. The caller signs the new user in."""
    User = get_user_model()
    target = normalize_target(channel, target)
    if is_registered(channel, target):
        raise ValidationError(already_registered_message(channel), code="registered")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("该用户名已被使用，请换一个。")]})
    user = User(username=username, display_name=name, email=target if channel == Channel.EMAIL else "")
    user.set_password(password)
    user.save()
    phone = target if channel == Channel.PHONE else ""
    try:
        with transaction.atomic():
            Contact.objects.create(user=user, phone=phone, phone_hash=blind_index(phone) if phone else "",
                                   email=target if channel == Channel.EMAIL else "", verified_at=timezone.now())
    except IntegrityError:  # the same phone registered a moment ago
        raise ValidationError(already_registered_message(channel), code="registered") from None
    Consent.objects.create(user=user, purpose=Purpose.TERMS, version=CONSENT_VERSION, ip=ip)
    log_action(user, "signup.user.registered", user, scope_path="",
               after={"channel": channel, "consent": CONSENT_VERSION})
    return user


def contact_of(user: Any) -> Contact | None:
    contact: Contact | None = Contact.objects.filter(user=user).first()
    return contact


def linked_person(user: Any) -> Person | None:
    person: Person | None = Person.objects.filter(user=user, deleted_at__isnull=True).select_related("org").first()
    return person


def pending_claim(user: Any) -> ClaimRequest | None:
    claim: ClaimRequest | None = (ClaimRequest.objects.filter(user=user, status=ClaimStatus.PENDING)
                                  .select_related("person__org").first())
    return claim


# ---- real-name verification -------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What real-name verification did: ``claimed`` (the registry record is now the account's), ``requested`` (a
    claim waits for the organisation), ``taken`` (the record belongs to another account), ``needs_org`` (no
    record: choose the local association), ``created`` (a new self-registered record)."""

    kind: str
    person: Person | None = None
    claim: ClaimRequest | None = None


def associations() -> QuerySet[Organisation]:
    """The local associations a new person may choose: city and county 科协."""
    qs: QuerySet[Organisation] = Organisation.objects.alive().filter(kind__category="association",
                                                                     level__in=ASSOCIATION_LEVELS)
    return qs


def _second_factor(contact: Contact | None, person: Person) -> bool:
    if contact is None:
        return False
    if contact.phone_hash and person.phone_hash and hmac.compare_digest(contact.phone_hash, person.phone_hash):
        return True
    return bool(contact.email and person.email and contact.email.lower() == person.email.strip().lower())


def _refuse_if_done(user: Any) -> None:
    if Person.objects.filter(user=user, deleted_at__isnull=True).exists():
        raise ValidationError(_("您的账号已完成实名认证，无需重复认证。"), code="done")
    if ClaimRequest.objects.filter(user=user, status=ClaimStatus.PENDING).exists():
        raise ValidationError(_("您的档案认领申请正等待组织确认，请耐心等待。"), code="pending")


@transaction.atomic
def verify_identity(user: Any, name: str, id_number: str, org: Organisation | None = None) -> Outcome:
    """Real-name verification by name and ID number (GB 11643). A registry record with the same ID number is
    claimed at once when the names match and the verified phone or e-mail matches the record's; with no second
    factor a claim goes to the record's organisation. With no record, a new person is created in the chosen
    local association (``org``; ``needs_org`` asks for it)."""
    get_user_model().objects.select_for_update().get(pk=user.pk)  # one verification at a time per account
    _refuse_if_done(user)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("请填写姓名。")]})
    idn = normalize_id_number(id_number)
    try:
        validate_id_number(idn)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    person = Person.objects.select_for_update().filter(id_hash=blind_index(idn), deleted_at__isnull=True).first()
    contact = contact_of(user)
    if person is not None:
        if person.user_id is not None:
            return Outcome("taken", person=person)
        if person.name.replace(" ", "") != name.replace(" ", ""):
            raise ValidationError({"name": [_("姓名与该身份证号码的登记信息不一致，请核对；如登记信息有误，请联系所属组织更正。")]})
        if _second_factor(contact, person):
            before = snapshot(person, ("user",))
            person.user = user
            person.save(update_fields=["user", "updated_at"])
            log_action(user, "signup.person.claimed", person, scope_path=person.org_path, before=before,
                       after={"user": user.pk, "factor": "phone" if contact and contact.phone else "email"})
            return Outcome("claimed", person=person)
        claim = ClaimRequest.objects.create(user=user, person=person, org_path=person.org_path, name=name)
        log_action(user, "signup.claim.requested", claim, scope_path=claim.org_path, after={"person": person.pk})
        _tell_deciders(claim, person)
        return Outcome("requested", person=person, claim=claim)
    if org is None:
        return Outcome("needs_org")
    if not associations().filter(pk=org.pk).exists():
        raise ValidationError({"org": [_("请选择所在地的市级或县级科协。")]})
    return Outcome("created", person=_create_person(user, contact, name, idn, org))


def _create_person(user: Any, contact: Contact | None, name: str, idn: str, org: Organisation) -> Person:
    phone = contact.phone if contact else ""
    person = Person(name=name, id_number=idn, id_hash=blind_index(idn), birth_date=id_birth_date(idn),
                    gender=id_gender(idn), phone=phone, phone_hash=blind_index(phone) if phone else "",
                    email=(contact.email if contact else "") or user.email, org=org, org_path=org.path, user=user)
    person.search_text = person_search_text(person)
    person.full_clean(exclude=["org_path", "search_text", "id_hash", "phone_hash"])
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:  # the same ID number registered a moment ago
        raise ValidationError({"id_number": [_("该身份证号码刚刚已登记，请重新提交。")]}) from None
    counts.adjust(org.pk, +1)
    if contact is not None:
        contact.created_person = person
        contact.save(update_fields=["created_person"])
    log_action(user, "signup.person.self_registered", person, scope_path=person.org_path,
               after=snapshot(person, Person.AUDIT_FIELDS))
    return person


@transaction.atomic
def cancel_claim(user: Any, pk: int) -> ClaimRequest:
    claim = ClaimRequest.objects.select_for_update().get(pk=pk)
    if claim.user_id != user.pk:
        raise PermissionDenied(_("只能撤销自己的认领申请。"))
    ClaimRequest.WORKFLOW.apply(claim, "cancel")
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "decided_at"])
    log_action(user, "signup.claim.cancelled", claim, scope_path=claim.org_path)
    return claim


CLAIM_DECIDERS = ("signup.claims", "people.change")  # what approve_claim / reject_claim require


def _tell_deciders(claim: ClaimRequest, person: Person) -> int:
    """The staff who can decide the claim (nearest level over the record's organisation) hear of it at once."""
    staff = deciders(person.org_path, CLAIM_DECIDERS)
    return notify(staff, title=_("新的档案认领申请：%(name)s") % {"name": claim.name},
                  body=_("%(name)s 申请认领%(org)s的科技工作者档案“%(person)s”（手机号或邮箱与档案不一致，"
                         "需要核对身份后确认或不予确认）。") % {"name": claim.name, "org": person.org.name,
                                                          "person": person.name},
                  url=reverse("signup:claim", args=[claim.pk]), key=f"signup.claim-arrived.{claim.pk}")


def _claim_url() -> str:
    return reverse("signup:verify")


@transaction.atomic
def approve_claim(actor: Any, pk: int) -> ClaimRequest:
    """The organisation confirms the claim: the record becomes the claimant's (checked on its current place)."""
    claim = ClaimRequest.objects.select_for_update().get(pk=pk)
    person = Person.objects.select_for_update().get(pk=claim.person_id)
    require(actor, "signup.claims", person.org_path)
    require(actor, "people.change", person.org_path)
    ClaimRequest.WORKFLOW.check(claim, "approve")
    if person.deleted_at is not None:
        raise ValidationError(_("该档案已被删除，不能认领。"))
    if person.user_id is not None:
        raise ValidationError(_("该档案已关联其他账号，不能确认认领。"))
    if Person.objects.filter(user_id=claim.user_id, deleted_at__isnull=True).exists():
        raise ValidationError(_("申请人的账号已关联其他档案，不能确认认领。"))
    claimant = get_user_model().objects.get(pk=claim.user_id)
    if not claimant.is_active:
        raise ValidationError(_("申请人的账号已停用，不能确认认领。"))
    ClaimRequest.WORKFLOW.apply(claim, "approve")
    claim.decided_by, claim.decided_at = actor, timezone.now()
    claim.save(update_fields=["status", "decided_by", "decided_at"])
    person.user = claimant
    person.save(update_fields=["user", "updated_at"])
    log_action(actor, "signup.claim.approved", claim, scope_path=person.org_path, after={"person": person.pk})
    notify([claimant], title=_("档案认领已确认：%(name)s") % {"name": person.name},
           body=_("%(org)s 已确认您认领该档案，您现在可以在“我的资料”中查看。") % {"org": person.org.name},
           url=reverse("me"), key=f"signup.claim.{claim.pk}")
    return claim


@transaction.atomic
def reject_claim(actor: Any, pk: int, reason: str) -> ClaimRequest:
    claim = ClaimRequest.objects.select_for_update().get(pk=pk)
    person = Person.objects.get(pk=claim.person_id)
    require(actor, "signup.claims", person.org_path)
    require(actor, "people.change", person.org_path)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写不予确认的理由。")]})
    if len(reason) > SHORT_REASON:
        raise ValidationError({"reason": [too_long(_("不予确认的理由"), SHORT_REASON)]})
    ClaimRequest.WORKFLOW.apply(claim, "reject")
    claim.reason, claim.decided_by, claim.decided_at = reason, actor, timezone.now()
    claim.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    log_action(actor, "signup.claim.rejected", claim, scope_path=person.org_path, after={"reason": claim.reason})
    notify([claim.user], title=_("档案认领未通过：%(name)s") % {"name": claim.name},
           body=_("理由：%(reason)s。如有疑问请联系 %(org)s。") % {"reason": claim.reason, "org": person.org.name},
           url=_claim_url(), key=f"signup.claim.{claim.pk}")
    return claim


# ---- consent ----------------------------------------------------------------------------------------------------

def active_consents(user: Any) -> dict[str, Consent]:
    return {c.purpose: c for c in Consent.objects.filter(user=user, withdrawn_at__isnull=True)}


def _set_public_profile(user: Any, value: bool) -> None:
    person = Person.objects.select_for_update().filter(user=user, deleted_at__isnull=True).first()
    if person is None:
        if value:
            raise ValidationError(_("完成实名认证后才能公开专家信息。"))
        return
    if person.public_profile != value:
        before = snapshot(person, ("public_profile",))
        person.public_profile = value
        person.save(update_fields=["public_profile", "updated_at"])
        log_action(user, "signup.person.public_profile", person, scope_path=person.org_path, before=before,
                   after=snapshot(person, ("public_profile",)))


@transaction.atomic
def grant_consent(user: Any, purpose: str, ip: str | None = None) -> Consent:
    if purpose not in Purpose.values:
        raise ValidationError(_("未知的用途。"))
    current = Consent.objects.select_for_update().filter(user=user, purpose=purpose, withdrawn_at__isnull=True).first()
    if purpose == Purpose.PUBLIC_PROFILE:
        _set_public_profile(user, True)
    if current is not None:
        return current
    consent = Consent.objects.create(user=user, purpose=purpose, version=CONSENT_VERSION, ip=ip)
    log_action(user, "signup.consent.granted", consent, scope_path="", after={"purpose": purpose})
    return consent


@transaction.atomic
def withdraw_consent(user: Any, purpose: str) -> int:
    if purpose not in Purpose.values:
        raise ValidationError(_("未知的用途。"))
    if purpose == Purpose.TERMS:
        raise ValidationError(_("同意服务协议与隐私政策是使用平台的前提，不能单独撤回；如不再使用平台，请申请注销账号。"))
    if purpose == Purpose.PUBLIC_PROFILE:
        _set_public_profile(user, False)
    rows = list(Consent.objects.select_for_update().filter(user=user, purpose=purpose, withdrawn_at__isnull=True))
    now = timezone.now()
    for consent in rows:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
        log_action(user, "signup.consent.withdrawn", consent, scope_path="", after={"purpose": purpose})
    return len(rows)


def consent_rows(user: Any) -> list[tuple[str, str]]:
    """(label, value) rows of the person's consent records, for their data export."""
    rows = []
    for c in Consent.objects.filter(user=user).order_by("granted_at", "pk"):
        value = _("%(at)s 同意（文本版本 %(v)s）") % {"at": timezone.localtime(c.granted_at).strftime("%Y-%m-%d %H:%M"),
                                                   "v": c.version}
        if c.withdrawn_at:
            value += _("；%(at)s 撤回") % {"at": timezone.localtime(c.withdrawn_at).strftime("%Y-%m-%d %H:%M")}
        rows.append((_("同意记录：%(purpose)s") % {"purpose": c.get_purpose_display()}, value))
    return rows


# ---- account deletion -------------------------------------------------------------------------------------------

def pending_deletion(user: Any) -> DeletionRequest | None:
    req: DeletionRequest | None = DeletionRequest.objects.filter(user=user, status=DeletionStatus.PENDING).first()
    return req


@transaction.atomic
def request_deletion(user: Any, password: str) -> DeletionRequest:
    account = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not account.check_password(password or ""):
        raise ValidationError({"password": [_("密码不正确。")]})
    if DeletionRequest.objects.filter(user=account, status=DeletionStatus.PENDING).exists():
        raise ValidationError(_("您已申请注销，无需重复申请。"))
    req = DeletionRequest.objects.create(user=account, due_at=timezone.now() + DELETION_GRACE)
    log_action(user, "signup.deletion.requested", req, scope_path="", after={"due_at": req.due_at.isoformat()})
    day = timezone.localtime(req.due_at).strftime("%Y-%m-%d")
    notify([account], title=_("注销申请已受理：账号将于 %(day)s 注销") % {"day": day},
           body=_("在此之前您可随时在“注销账号”页面撤销申请。"), url=reverse("signup:delete"),
           key=f"signup.deletion.{req.pk}")
    return req


@transaction.atomic
def cancel_deletion(user: Any) -> DeletionRequest:
    req = DeletionRequest.objects.select_for_update().filter(user=user, status=DeletionStatus.PENDING).first()
    if req is None:
        raise ValidationError(_("没有等待中的注销申请。"))
    DeletionRequest.WORKFLOW.apply(req, "cancel")
    req.save(update_fields=["status"])
    log_action(user, "signup.deletion.cancelled", req, scope_path="")
    return req


def _erase_person(person: Person) -> None:
    """A self-registered record: soft-deleted, its personal fields erased."""
    person.name = ERASED_NAME
    for field in ("id_number", "id_hash", "phone", "phone_hash", "email", "ethnicity", "employer_name", "position",
                  "title", "bio", "search_text"):
        setattr(person, field, "")
    person.gender, person.birth_date, person.expertise, person.honours = "", None, [], []
    person.employer = None
    if person.deleted_at is None:
        person.deleted_at = timezone.now()
        counts.adjust(person.org_id, -1)


@transaction.atomic
def carry_out(pk: int) -> DeletionRequest:
    """Delete the account of a due request: deactivated, contact data erased, consents withdrawn, the public
    profile turned off; a self-registered record soft-deleted and erased, a claimed registry record only unlinked
    (the organisation keeps what it is obliged to hold)."""
    req = DeletionRequest.objects.select_for_update().get(pk=pk)
    DeletionRequest.WORKFLOW.apply(req, "carry_out")
    now = timezone.now()
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=req.user_id)
    contact = contact_of(user)
    created = contact.created_person_id if contact else None
    erased, unlinked = [], []
    for person in Person.objects.select_for_update().filter(user=user):
        person.user = None
        person.public_profile = False
        if person.pk == created:
            _erase_person(person)
            erased.append(person.pk)
        else:
            unlinked.append(person.pk)
        person.save()
        log_action(SYSTEM, "signup.deletion.done", person, scope_path=person.org_path,
                   extra={"erased": person.pk == created})
    if contact is not None:
        contact.phone, contact.phone_hash, contact.email = "", "", ""
        contact.save(update_fields=["phone", "phone_hash", "email"])
    Consent.objects.filter(user=user, withdrawn_at__isnull=True).update(withdrawn_at=now)
    for claim in ClaimRequest.objects.select_for_update().filter(user=user, status=ClaimStatus.PENDING):
        ClaimRequest.WORKFLOW.apply(claim, "cancel")
        claim.decided_at = now
        claim.save(update_fields=["status", "decided_at"])
    user.is_active = False
    user.username = f"deleted-{user.pk}"
    user.email = user.display_name = user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.save()
    req.done_at = now
    req.save(update_fields=["status", "done_at"])
    log_action(SYSTEM, "signup.deletion.done", req, scope_path="", extra={"erased": erased, "unlinked": unlinked})
    return req


def carry_out_due(now: dt.datetime | None = None) -> dict[str, int]:
    """The daily job: every request past its grace period; and codes older than a day are dropped."""
    now = now or timezone.now()
    done = 0
    for pk in DeletionRequest.objects.filter(status=DeletionStatus.PENDING, due_at__lte=now).values_list("pk", flat=True):
        carry_out(pk)
        done += 1
    codes, _n = VerificationCode.objects.filter(created_at__lt=now - dt.timedelta(days=1)).delete()
    return {"accounts": done, "codes": codes}
