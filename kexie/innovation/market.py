"""Writes of the marketplace (科创云集市, SPEC §3.5): 科技成果 registered by an association's staff and taken
through 草稿 → 已发布 → 已下架; 对接意向 (enquiries) lodged by anyone — the marketplace is public — on a published
public need or a published achievement, and handled by the owner's staff as tracked items.

As in ``services``: every write runs in a transaction, re-reads its row with ``select_for_update``, checks the
actor on the fresh row with ``require()`` and leaves an audit row; bad input raises ``ValidationError`` with
Chinese messages and changes nothing. What the public may see is decided here (``public_needs`` and
``public_achievements``), once, for the pages and for ``lodge_enquiry`` alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.accounts.services import users_at
from kexie.core.audit import log_action, snapshot
from kexie.core.crypto import mask_phone
from kexie.core.services import require
from kexie.core.validators import normalize_phone, validate_phone
from kexie.innovation.data.industries import DIVISIONS
from kexie.innovation.models import (
    Achievement,
    AchievementStatus,
    Enquiry,
    EnquiryStatus,
    Maturity,
    Need,
    TransferMode,
)
from kexie.notices.services import notify
from kexie.orgs.models import Organisation
from kexie.people.models import Person

DIVISION_CODES = {code for code, _name, _section in DIVISIONS}
# 中国专利号: ZL + application number (12 digits since 2003, 8 before) + "." + check character (digit or X).
PATENT_RE = re.compile(r"^ZL(\d{12}|\d{8})\.[0-9X]$")
MAX_PATENTS = 50
MAX_HOLDERS = 30
ENQUIRIES_PER_CONTACT_PER_DAY = 3  # per target; the project has no request throttle outside the login lockout
ACHIEVEMENT_FIELDS = ("title", "description", "holders", "holder_org", "maturity", "patents", "transfer_mode",
                      "industry", "price")
_SPLIT = re.compile(r"[\r\n,，;；、]+")  # not spaces: "ZL 2021 1012 3456.7", "John Smith"


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None



# ---- what the public sees ----------------------------------------------------------------------------
def public_needs() -> QuerySet[Need]:
    """Needs on the marketplace: public, and published or being matched (never drafts, matched-only, closed)."""
    return Need.objects.for_public()


def public_achievements() -> QuerySet[Achievement]:
    return Achievement.objects.for_public()


# ---- achievements ------------------------------------------------------------------------------------
def _items(value: Any) -> list[str]:
    """A list from a list, or from text separated by new lines, commas, semicolons or 、."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in _SPLIT.split(value) if v.strip()]
    if isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value).strip()]


def _holders(value: Any) -> tuple[list[dict[str, Any]], list[str]]:
    errors: list[str] = []
    out: list[dict[str, Any]] = []
    raw: list[Any]
    if isinstance(value, str) or value is None:
        raw = _items(value)
    elif isinstance(value, list | tuple):
        raw = list(value)
    else:
        return [], [_("成果持有人应为姓名列表。")]
    for h in raw:
        if isinstance(h, Mapping):
            name = str(h.get("name") or "").strip()
            item: dict[str, Any] = {"name": name}
            if isinstance(h.get("person_id"), int) and not isinstance(h.get("person_id"), bool):
                item["person_id"] = h["person_id"]
        elif isinstance(h, str):
            name = h.strip()
            item = {"name": name}
        else:
            errors.append(_("成果持有人应为姓名列表。"))
            continue
        if not name:
            continue
        if len(name) > 40:
            errors.append(_("成果持有人“%(n)s”超过 40 个字。") % {"n": name[:40]})
            continue
        if item not in out:
            out.append(item)
    if len(out) > MAX_HOLDERS:
        errors.append(_("成果持有人不超过 %(n)s 人。") % {"n": MAX_HOLDERS})
    return out, errors


def normalize_patent(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper().replace("．", ".")


def _patents(value: Any) -> tuple[list[str], list[str]]:
    if value is not None and not isinstance(value, str | list | tuple):
        return [], [_("专利应为专利号列表。")]
    if isinstance(value, list | tuple) and any(not isinstance(p, str) for p in value):
        return [], [_("专利应为专利号列表。")]
    errors: list[str] = []
    out: list[str] = []
    for raw in _items(value):
        number = normalize_patent(raw)
        if not PATENT_RE.match(number):
            errors.append(_("专利号“%(p)s”格式不正确，应如 ZL202110123456.7。") % {"p": raw[:30]})
        elif number not in out:
            out.append(number)
    if len(out) > MAX_PATENTS:
        errors.append(_("专利不超过 %(n)s 项。") % {"n": MAX_PATENTS})
    return out, errors


def clean_achievement(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Typed achievement fields and the problems, in Chinese."""
    out: dict[str, Any] = {}
    errors: list[str] = []
    title = str(values.get("title") or "").strip()
    description = str(values.get("description") or "").strip()
    if not title:
        errors.append(_("请填写成果名称。"))
    elif len(title) > 120:
        errors.append(_("成果名称不能超过 120 个字。"))
    if not description:
        errors.append(_("请填写成果简介。"))
    elif len(description) > 4000:
        errors.append(_("成果简介不能超过 4000 字。"))
    out["title"], out["description"] = title[:120], description[:4000]
    out["holders"], problems = _holders(values.get("holders"))
    errors += problems
    holder_org = str(values.get("holder_org") or "").strip()
    if len(holder_org) > 120:
        errors.append(_("持有单位不能超过 120 个字。"))
    out["holder_org"] = holder_org[:120]
    maturity = str(values.get("maturity") or "").strip()
    if maturity not in Maturity.values:
        errors.append(_("请选择有效的成熟度。"))
    out["maturity"] = maturity
    mode = str(values.get("transfer_mode") or "").strip()
    if mode not in TransferMode.values:
        errors.append(_("请选择有效的转化方式。"))
    out["transfer_mode"] = mode
    out["patents"], problems = _patents(values.get("patents"))
    errors += problems
    industry = str(values.get("industry") or "").strip()
    if industry and industry not in DIVISION_CODES:
        errors.append(_("行业代码“%(c)s”不是国民经济行业分类的大类代码。") % {"c": industry})
    out["industry"] = industry
    price = values.get("price")
    if price in (None, ""):
        out["price"] = None
    else:
        try:
            amount = Decimal(str(price).replace(",", "").strip())
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
                raise InvalidOperation
            out["price"] = amount.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors.append(_("参考价格应为非负数（万元）。"))
    return out, errors


def _lock(ach: Achievement) -> Achievement:
    fresh: Achievement = Achievement.objects.select_for_update().get(pk=ach.pk)
    if fresh.deleted_at is not None:
        raise ValidationError(_("该成果已删除。"))
    return fresh


@transaction.atomic
def create_achievement(actor: Any, owner: Organisation, *, lead: Person | None = None,
                       **values: Any) -> Achievement:
    """A draft achievement registered by staff of ``owner`` (change scope on it)."""
    owner = Organisation.objects.get(pk=owner.pk)
    require(actor, "change", owner.path)
    if owner.deleted_at is not None:
        raise ValidationError(_("登记单位已删除。"))
    data, errors = clean_achievement(values)
    if errors:
        raise ValidationError(errors)
    ach = Achievement(owner=owner, org_path=owner.path, lead=lead, created_by=_user(actor), **data)
    ach.save()
    log_action(actor, "innovation.achievement.created", ach, scope_path=ach.org_path,
               after=snapshot(ach, Achievement.AUDIT_FIELDS))
    return ach


@transaction.atomic
def edit_achievement(actor: Any, ach: Achievement, **values: Any) -> Achievement:
    ach = _lock(ach)
    require(actor, "change", ach.org_path)
    data, errors = clean_achievement({**{k: getattr(ach, k) for k in ACHIEVEMENT_FIELDS}, **values})
    if errors:
        raise ValidationError(errors)
    before = snapshot(ach, Achievement.AUDIT_FIELDS)
    for k, v in data.items():
        setattr(ach, k, v)
    ach.save()
    log_action(actor, "innovation.achievement.edited", ach, scope_path=ach.org_path, before=before,
               after=snapshot(ach, Achievement.AUDIT_FIELDS))
    return ach


@transaction.atomic
def publish_achievement(actor: Any, ach: Achievement) -> Achievement:
    """发布 to the marketplace: a draft or a withdrawn achievement whose fields are complete."""
    ach = _lock(ach)
    require(actor, "change", ach.org_path)
    if ach.status == AchievementStatus.PUBLISHED:
        raise ValidationError(_("该成果已发布。"))
    _data, errors = clean_achievement({k: getattr(ach, k) for k in ACHIEVEMENT_FIELDS})
    if errors:
        raise ValidationError(errors)
    before = ach.status
    ach.status, ach.published_at = AchievementStatus.PUBLISHED, timezone.now()
    ach.save(update_fields=["status", "published_at", "updated_at"])
    log_action(actor, "innovation.achievement.published", ach, scope_path=ach.org_path,
               extra={"from": before, "to": ach.status})
    return ach


@transaction.atomic
def withdraw_achievement(actor: Any, ach: Achievement, reason: str = "") -> Achievement:
    """下架: off the marketplace; it can be published again."""
    ach = _lock(ach)
    require(actor, "change", ach.org_path)
    if ach.status != AchievementStatus.PUBLISHED:
        raise ValidationError(_("只有已发布的成果可以下架。"))
    ach.status = AchievementStatus.WITHDRAWN
    ach.save(update_fields=["status", "updated_at"])
    log_action(actor, "innovation.achievement.withdrawn", ach, scope_path=ach.org_path,
               extra={"from": AchievementStatus.PUBLISHED, "to": ach.status, "reason": reason.strip()[:500]})
    return ach


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
    staff = [u for us in users_at([owner_id]).values() for u in us]
    notify(staff, title=_("新的对接意向：%(t)s") % {"t": title},
           body=_("%(n)s（%(o)s）：%(x)s") % {"n": name, "o": organisation or "—", "x": text[:500]},
           url=reverse("innovation:enquiry", args=[enquiry.pk]), key=f"innovation-enquiry-{enquiry.pk}")
    return enquiry


@transaction.atomic
def handle_enquiry(actor: Any, enquiry: Enquiry, note: str) -> Enquiry:
    """已处理: staff in the enquiry's scope record what they did (contacted, introduced, declined …)."""
    enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    require(actor, "change", enquiry.org_path)
    if enquiry.status != EnquiryStatus.NEW:
        raise ValidationError(_("该对接意向已处理。"))
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("请填写处理说明。"))
    if len(note) > 2000:
        raise ValidationError(_("处理说明不能超过 2000 字。"))
    enquiry.status, enquiry.note = EnquiryStatus.HANDLED, note
    enquiry.handled_by, enquiry.handled_at = _user(actor), timezone.now()
    enquiry.save(update_fields=["status", "note", "handled_by", "handled_at"])
    log_action(actor, "innovation.enquiry.handled", enquiry, scope_path=enquiry.org_path,
               extra={"status": enquiry.status, "note": note[:500]})
    return enquiry


def reveal_contact(actor: Any, enquiry: Enquiry, ip: str | None = None) -> str:
    """The full contact of an enquiry for staff who may handle it; every view is logged (PiiAccess)."""
    from django.contrib.contenttypes.models import ContentType

    from kexie.core.models import PiiAccess

    if not getattr(actor, "pk", None):
        raise PermissionDenied(_("您无权查看联系方式。"))
    require(actor, "change", enquiry.org_path)
    PiiAccess.objects.create(user=actor, content_type=ContentType.objects.get_for_model(Enquiry),
                             object_id=enquiry.pk, field="contact", ip=ip, scope_path=enquiry.org_path)
    value: str = enquiry.contact
    return value
