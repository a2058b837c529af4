"""Writes of the marketplace (科创云集市, SPEC §3.5): 科技成果 registered by an association's staff and taken
through 草稿 → 已发布 → 已下架 (``Achievement.WORKFLOW``); the enquiries are in ``enquiries``.

As in ``needs.services``: every write runs in a transaction, re-reads its row with ``select_for_update``, checks the
actor on the fresh row with ``require()`` and leaves an audit row; bad input raises ``ValidationError`` with
Chinese messages and changes nothing. What the public may see is decided here (``public_needs`` and
``public_achievements``), once, for the pages and for ``lodge_enquiry`` alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.services import require
from kexie.innovation import limits
from kexie.innovation.data.industries import DIVISIONS
from kexie.innovation.models import (
    Achievement,
    Maturity,
    Need,
    TransferMode,
)
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
    elif len(title) > limits.TITLE:
        errors.append(_("成果名称不能超过 120 个字。"))
    if not description:
        errors.append(_("请填写成果简介。"))
    elif len(description) > limits.OUTCOME:
        errors.append(_("成果简介不能超过 4000 字。"))
    out["title"], out["description"] = title, description  # too long: refused above
    out["holders"], problems = _holders(values.get("holders"))
    errors += problems
    holder_org = str(values.get("holder_org") or "").strip()
    if len(holder_org) > limits.TITLE:
        errors.append(_("持有单位不能超过 120 个字。"))
    out["holder_org"] = holder_org
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
    require(actor, "innovation.change", owner.path)
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
    require(actor, "innovation.change", ach.org_path)
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
    require(actor, "innovation.change", ach.org_path)
    Achievement.WORKFLOW.check(ach, "publish")
    _data, errors = clean_achievement({k: getattr(ach, k) for k in ACHIEVEMENT_FIELDS})
    if errors:
        raise ValidationError(errors)
    before, _new = Achievement.WORKFLOW.apply(ach, "publish")
    ach.published_at = timezone.now()
    ach.save(update_fields=["status", "published_at", "updated_at"])
    log_action(actor, "innovation.achievement.published", ach, scope_path=ach.org_path,
               extra={"from": before, "to": ach.status})
    return ach


@transaction.atomic
def withdraw_achievement(actor: Any, ach: Achievement, reason: str = "") -> Achievement:
    """下架: off the marketplace; it can be published again."""
    ach = _lock(ach)
    require(actor, "innovation.change", ach.org_path)
    reason = limits.bounded(reason, limits.SHORT_REASON, _("下架理由"))
    before, _new = Achievement.WORKFLOW.apply(ach, "withdraw")
    ach.save(update_fields=["status", "updated_at"])
    log_action(actor, "innovation.achievement.withdrawn", ach, scope_path=ach.org_path,
               extra={"from": before, "to": ach.status, "reason": reason})
    return ach
