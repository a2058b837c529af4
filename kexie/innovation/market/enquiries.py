"""对接意向 (enquiries) of the marketplace: lodged by anyone on a published public need or a published achievement,
handled by the owner's staff along ``Enquiry.WORKFLOW``; the contact is shown in full only to them, every view
logged (``PiiAccess``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.accounts.services import users_at
from kexie.core.audit import log_action
from kexie.core.crypto import mask_phone
from kexie.core.services import require
from kexie.core.validators import normalize_phone, validate_phone
from kexie.innovation.market.services import _user, public_achievements, public_needs
from kexie.innovation.models import (
    Achievement,
    Enquiry,
    Need,
)
from kexie.notices.services import notify

ENQUIRIES_PER_CONTACT_PER_DAY = 3  # per target; the project has no request throttle outside the login lockout


# ---- enquiries ---------------------------------------------------------------------------------------
def normalize_contact(value: str) -> str:
    value = (value or "").strip()
    return value.lower() if "@" in value else normalize_phone(value)


def mask_contact(value: str) -> str:
    if "@" in value:
        local, _at, domain = value.partition("@")
        return (local[:1] + "***@" + domain) if local else value
    return mask_phone(value)


def _target_path(target: Need | Achievement) -> tuple[str, int, str]:
    """The target's path, owner and title, re-read under a row lock, if the public may see it."""
    if isinstance(target, Need):
        need: Need | None = public_needs().select_for_update().filter(pk=target.pk).first()
        if need is None:
            raise ValidationError(_("该需求未公开发布，不能提交对接意向。"))
        return need.org_path, need.owner_id, need.title
    ach: Achievement | None = public_achievements().select_for_update().filter(pk=target.pk).first()
    if ach is None:
        raise ValidationError(_("该成果未发布，不能提交对接意向。"))
    return ach.org_path, ach.owner_id, ach.title


@transaction.atomic
def lodge_enquiry(actor: Any, target: Need | Achievement, name: str, organisation: str, contact: str,
                  text: str) -> Enquiry:
    """对接意向 from the marketplace, by anyone (``actor`` may be ``None`` or anonymous). The owner's staff are
    told; the same contact may write to one target at most ``ENQUIRIES_PER_CONTACT_PER_DAY`` times a day."""
    if not isinstance(target, Need | Achievement):
        raise ValidationError(_("对接对象无效。"))
    path, owner_id, title = _target_path(target)
    name, organisation, text = (name or "").strip(), (organisation or "").strip(), (text or "").strip()
    contact = normalize_contact(contact)
    errors: list[str] = []
    if not name:
        errors.append(_("请填写联系人姓名。"))
    elif len(name) > 40:
        errors.append(_("联系人姓名不能超过 40 个字。"))
    if len(organisation) > 120:
        errors.append(_("单位名称不能超过 120 个字。"))
    if not contact:
        errors.append(_("请填写联系方式。"))
    elif "@" in contact:
        try:
            if len(contact) > 120:
                raise ValidationError("")
            validate_email(contact)
        except ValidationError:
            errors.append(_("联系方式应为手机号、座机号或电子邮箱。"))
    else:
        try:
            validate_phone(contact)
        except ValidationError:
            errors.append(_("联系方式应为手机号、座机号或电子邮箱。"))
    if not text:
        errors.append(_("请填写意向说明。"))
    elif len(text) > 2000:
        errors.append(_("意向说明不能超过 2000 字。"))
    if errors:
        raise ValidationError(errors)
    field = "need" if isinstance(target, Need) else "achievement"
    since = timezone.now() - dt.timedelta(days=1)
    # The contact is encrypted (no blind index): compare the few recent ones of this target in Python.
    recent = Enquiry.objects.filter(**{field: target.pk}, created_at__gte=since).only("contact")
    if sum(1 for e in recent if normalize_contact(e.contact) == contact) >= ENQUIRIES_PER_CONTACT_PER_DAY:
        raise ValidationError(_("同一联系方式对同一条目一天内最多提交 %(n)s 次对接意向，请耐心等待回复。")
                              % {"n": ENQUIRIES_PER_CONTACT_PER_DAY})
    enquiry = Enquiry.objects.create(**{field: target}, name=name, organisation=organisation, contact=contact,
                                     text=text, org_path=path)
    log_action(actor, "innovation.enquiry.lodged", enquiry, scope_path=path, extra={field: target.pk})
    staff = [u for us in users_at([owner_id], "innovation.change").values() for u in us]
    notify(staff, title=_("新的对接意向：%(t)s") % {"t": title},
           body=_("%(n)s（%(o)s）：%(x)s") % {"n": name, "o": organisation or "—", "x": text[:500]},
           url=reverse("innovation:enquiry", args=[enquiry.pk]), key=f"innovation-enquiry-{enquiry.pk}")
    return enquiry


@transaction.atomic
def handle_enquiry(actor: Any, enquiry: Enquiry, note: str) -> Enquiry:
    """已处理: staff in the enquiry's scope record what they did (contacted, introduced, declined …)."""
    enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    require(actor, "innovation.change", enquiry.org_path)
    Enquiry.WORKFLOW.check(enquiry, "handle")
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("请填写处理说明。"))
    if len(note) > 2000:
        raise ValidationError(_("处理说明不能超过 2000 字。"))
    Enquiry.WORKFLOW.apply(enquiry, "handle")
    enquiry.note = note
    enquiry.handled_by, enquiry.handled_at = _user(actor), timezone.now()
    enquiry.save(update_fields=["status", "note", "handled_by", "handled_at"])
    log_action(actor, "innovation.enquiry.handled", enquiry, scope_path=enquiry.org_path,
               extra={"status": enquiry.status, "note": note})
    return enquiry


def reveal_contact(actor: Any, enquiry: Enquiry, ip: str | None = None) -> str:
    """The full contact of an enquiry for staff who may handle it; every view is logged (PiiAccess)."""
    from django.contrib.contenttypes.models import ContentType

    from kexie.core.models import PiiAccess

    if not getattr(actor, "pk", None):
        raise PermissionDenied(_("您无权查看联系方式。"))
    require(actor, "innovation.change", enquiry.org_path)
    PiiAccess.objects.create(user=actor, content_type=ContentType.objects.get_for_model(Enquiry),
                             object_id=enquiry.pk, field="contact", ip=ip, scope_path=enquiry.org_path)
    value: str = enquiry.contact
    return value
