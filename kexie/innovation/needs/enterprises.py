"""Enterprises of 数字科创: registration with the unified social credit code (GB 32100), the serving association
(``host_for``), verification by its staff (the ``Enterprise.WORKFLOW``), and who acts for which enterprise.

Every write runs in a transaction, re-reads its row with ``select_for_update``, checks who may act on the fresh row
and leaves an audit row. Bad input raises ``ValidationError`` with Chinese messages and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.accounts.services import users_at
from kexie.core.audit import log_action, snapshot
from kexie.core.services import require
from kexie.core.validators import normalize_phone, normalize_uscc, validate_phone, validate_uscc
from kexie.innovation import limits
from kexie.innovation.data.industries import DIVISIONS
from kexie.innovation.models import (
    Enterprise,
    Need,
    VerifyStatus,
)
from kexie.notices.services import notify
from kexie.orgs.models import Organisation, Region

DIVISION_CODES = {code for code, _name, _section in DIVISIONS}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _now() -> dt.datetime:
    return timezone.now()


# ---- enterprises --------------------------------------------------------------------------------
def host_for(region: Region | None) -> Organisation:
    """The association that serves an enterprise: the 科协 of its region, else of the nearest region above it,
    else the province association."""
    while region is not None:
        org: Organisation | None = (Organisation.objects.alive().filter(kind__code="kx", region=region)
                                    .order_by("depth").first())
        if org is not None:
            return org
        region = region.parent
    root: Organisation = Organisation.objects.alive().filter(depth=1).order_by("path").first()  # type: ignore[assignment]  # the tree always has a root
    return root


@transaction.atomic
def register_enterprise(user: Any, *, name: str, uscc: str, contact_name: str, contact_phone: str,
                        industry: str = "", region_code: str = "", address: str = "") -> Enterprise:
    """An enterprise account: the credit code is checked (GB 32100) and must be new; staff verify it next."""
    errors: list[str] = []
    name, contact_name, address = name.strip(), contact_name.strip(), address.strip()
    code = normalize_uscc(uscc or "")
    if not name:
        errors.append(_("请填写企业名称。"))
    elif len(name) > 120:
        errors.append(_("企业名称不能超过 120 个字。"))
    try:
        validate_uscc(code)
    except ValidationError as exc:
        errors.extend(exc.messages)
    if not contact_name:
        errors.append(_("请填写联系人。"))
    elif len(contact_name) > limits.NAME:
        errors.append(limits.too_long(_("联系人"), limits.NAME))
    if len(address) > limits.ADDRESS:
        errors.append(limits.too_long(_("地址"), limits.ADDRESS))
    phone = normalize_phone(contact_phone or "")
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            errors.extend(exc.messages)
    else:
        errors.append(_("请填写联系电话。"))
    if industry and industry not in DIVISION_CODES:
        errors.append(_("行业代码“%(c)s”不是国民经济行业分类的大类代码。") % {"c": industry})
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if region_code and region is None:
        errors.append(_("地区代码“%(c)s”不存在。") % {"c": region_code})
    if errors:
        raise ValidationError(errors)
    if Enterprise.objects.filter(uscc=code).exists():
        raise ValidationError(_("该统一社会信用代码已注册，请联系本企业的管理员添加账号。"))
    host = host_for(region)
    ent = Enterprise.objects.create(name=name, uscc=code, industry=industry, region=region, host=host,
                                    org_path=host.path, address=address, contact_name=contact_name,
                                    contact_phone=phone)
    if _user(user) is not None:
        ent.users.add(user)
    log_action(user, "innovation.enterprise.registered", ent, scope_path=ent.org_path,
               after=snapshot(ent, Enterprise.AUDIT_FIELDS))
    staff = [u for us in users_at([host.pk], "innovation.change").values() for u in us]
    notify(staff, title=_("新企业注册待核验：%(n)s") % {"n": name}, url=reverse("innovation:enterprise", args=[ent.pk]),
           key=f"innovation-enterprise-{ent.pk}")
    return ent


@transaction.atomic
def verify_enterprise(actor: Any, ent: Enterprise, verdict: str, reason: str = "") -> Enterprise:
    ent = Enterprise.objects.select_for_update().get(pk=ent.pk)
    require(actor, "innovation.change", ent.org_path)
    if verdict not in ("verify", "reject"):
        raise ValidationError(_("请选择核验结论。"))
    reason = limits.bounded(reason, limits.SHORT_REASON, _("核验意见"))
    if verdict == "reject" and not reason:
        raise ValidationError(_("不通过核验须说明理由。"))
    before = snapshot(ent, Enterprise.AUDIT_FIELDS)
    Enterprise.WORKFLOW.apply(ent, verdict)
    ent.status_reason, ent.verified_by, ent.verified_at = reason, _user(actor), _now()
    ent.save()
    log_action(actor, "innovation.enterprise.verified", ent, scope_path=ent.org_path, before=before,
               after=snapshot(ent, Enterprise.AUDIT_FIELDS))
    notify(list(ent.users.all()), title=_("企业核验结果：%(s)s — %(n)s") % {"s": ent.get_status_display(), "n": ent.name},
           body=reason, url=reverse("innovation:needs"), key=f"innovation-enterprise-verdict-{ent.pk}-{ent.status}")
    return ent


def enterprise_of(user: Any) -> Enterprise | None:
    """The verified enterprise a user acts for (the first, if several)."""
    if not getattr(user, "pk", None):
        return None
    ent: Enterprise | None = (Enterprise.objects.alive().filter(users=user, status=VerifyStatus.VERIFIED)
                              .order_by("pk").first())
    return ent


def is_enterprise_user(user: Any, need: Need) -> bool:
    return bool(need.enterprise_id and getattr(user, "pk", None)
                and need.enterprise is not None and need.enterprise.users.filter(pk=user.pk).exists())
