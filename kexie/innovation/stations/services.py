"""点火 (SPEC §3.5): workstations — 院士工作站, 专家工作站, 学会服务站, 海智工作站 — registered with their host unit
and managing association, experts in residence, the agreement period and yearly results (projects, patents,
people trained, revenue).

The status is computed from the agreement: 运行中 while ``agreement_end`` has not passed, 协议到期 after it
(``refresh_station_statuses(today)``, safe to run daily and idempotent); 已撤销 is set by staff and sticks.
``station_metrics(paths, year)`` gives the yearly figures per organisation subtree for the reporting module.

Every write runs in a transaction, re-reads its row with ``select_for_update``, checks ``require()`` on the fresh
row and leaves an audit row; bad input raises ``ValidationError`` with Chinese messages and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.scope import user_can
from kexie.core.services import is_system, require
from kexie.innovation import limits
from kexie.innovation.models import (
    Enterprise,
    Station,
    StationExpert,
    StationKind,
    StationStatus,
    StationYear,
)
from kexie.orgs.models import Organisation
from kexie.people.models import Person

SOCIETY_KINDS = ("society", "society_branch", "society_union")
YEAR_FIELDS = ("projects", "patents", "trained", "revenue", "note")
FIRST_YEAR = 1990


def status_for(station: Station, today: dt.date) -> str:
    """运行中 until the agreement ends, 协议到期 after; 已撤销 stays."""
    if station.status == StationStatus.REVOKED:
        return StationStatus.REVOKED
    return StationStatus.EXPIRED if station.agreement_end < today else StationStatus.ACTIVE


def _date(value: Any, label: str, errors: list[str]) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        errors.append(_("请填写%(f)s。") % {"f": label})
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(_("%(f)s的格式应为 YYYY-MM-DD。") % {"f": label})
        return None


def clean_station(actor: Any, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Typed station fields and the problems, in Chinese."""
    errors: list[str] = []
    out: dict[str, Any] = {}
    kind = str(values.get("kind") or "").strip()
    if kind not in StationKind.values:
        errors.append(_("请选择工作站类型。"))
    out["kind"] = kind
    for key, label in (("name", _("名称")), ("host_name", _("依托单位"))):
        text = str(values.get(key) or "").strip()
        if not text and key == "host_name" and isinstance(values.get("host_enterprise"), Enterprise):
            text = values["host_enterprise"].name
        if not text:
            errors.append(_("请填写%(f)s。") % {"f": label})
        elif len(text) > limits.TITLE:
            errors.append(_("%(f)s不能超过 120 个字。") % {"f": label})
        out[key] = text  # too long: refused above, never cut
    ent = values.get("host_enterprise")
    if ent is not None and not is_system(actor) and not user_can(actor, "innovation.view", ent.org_path):
        errors.append(_("该企业不在您的服务范围内。"))
    out["host_enterprise"] = ent
    society = values.get("society")
    if society is not None and (society.kind.code not in SOCIETY_KINDS or society.deleted_at is not None):
        errors.append(_("“%(n)s”不是学会。") % {"n": society.name})
    out["society"] = society
    start = _date(values.get("agreement_start"), _("协议开始日期"), errors)
    end = _date(values.get("agreement_end"), _("协议结束日期"), errors)
    if start and end and end <= start:
        errors.append(_("协议结束日期应晚于开始日期。"))
    out["agreement_start"], out["agreement_end"] = start, end
    return out, errors


@transaction.atomic
def create_station(actor: Any, *, owner: Organisation, **values: Any) -> Station:
    """A station registered by staff of the managing association (in their change scope)."""
    require(actor, "innovation.change", owner.path)
    if owner.deleted_at is not None:
        raise ValidationError(_("管理科协已删除。"))
    data, errors = clean_station(actor, values)
    if errors:
        raise ValidationError(errors)
    station = Station(owner=owner, org_path=owner.path, **data)
    station.status = status_for(station, timezone.localdate())
    station.save()
    log_action(actor, "innovation.station.created", station, scope_path=station.org_path,
               after=snapshot(station, Station.AUDIT_FIELDS))
    return station


def _lock(station: Station) -> Station:
    fresh: Station = Station.objects.select_for_update().get(pk=station.pk)
    return fresh


@transaction.atomic
def edit_station(actor: Any, station: Station, *, owner: Organisation | None = None, **values: Any) -> Station:
    station = _lock(station)
    require(actor, "innovation.change", station.org_path)
    if station.deleted_at is not None:
        raise ValidationError(_("工作站已删除，请先恢复。"))
    if owner is not None and owner.pk != station.owner_id:
        require(actor, "innovation.change", owner.path)
    current = {k: getattr(station, k) for k in ("kind", "name", "host_name", "host_enterprise", "society",
                                                 "agreement_start", "agreement_end")}
    data, errors = clean_station(actor, {**current, **values})
    if errors:
        raise ValidationError(errors)
    before = snapshot(station, Station.AUDIT_FIELDS)
    for k, v in data.items():
        setattr(station, k, v)
    if owner is not None:
        station.owner, station.org_path = owner, owner.path
        StationYear.objects.filter(station=station).update(org_path=owner.path)
    station.status = status_for(station, timezone.localdate())
    station.save()
    log_action(actor, "innovation.station.edited", station, scope_path=station.org_path, before=before,
               after=snapshot(station, Station.AUDIT_FIELDS))
    return station


@transaction.atomic
def revoke_station(actor: Any, station: Station, reason: str) -> Station:
    station = _lock(station)
    require(actor, "innovation.change", station.org_path)
    Station.WORKFLOW.check(station, "revoke")
    reason = limits.bounded(reason, limits.REASON, _("撤销理由"))
    if not reason:
        raise ValidationError(_("撤销须说明理由。"))
    before = snapshot(station, Station.AUDIT_FIELDS)
    Station.WORKFLOW.apply(station, "revoke")
    station.save(update_fields=["status"])
    log_action(actor, "innovation.station.revoked", station, scope_path=station.org_path, before=before,
               after=snapshot(station, Station.AUDIT_FIELDS), extra={"reason": reason})
    return station


@transaction.atomic
def delete_station(actor: Any, station: Station) -> Station:
    station = _lock(station)
    require(actor, "innovation.change", station.org_path)
    if station.deleted_at is None:
        station.deleted_at = timezone.now()
        station.save(update_fields=["deleted_at"])
        log_action(actor, "innovation.station.deleted", station, scope_path=station.org_path)
    return station


@transaction.atomic
def restore_station(actor: Any, station: Station) -> Station:
    station = _lock(station)
    require(actor, "innovation.change", station.org_path)
    if station.deleted_at is not None:
        station.deleted_at = None
        station.save(update_fields=["deleted_at"])
        log_action(actor, "innovation.station.restored", station, scope_path=station.org_path)
    return station


# ---- residents ---------------------------------------------------------------------------------------
def can_reside(actor: Any, person: Person) -> bool:
    """People in the actor's scope, or experts with a public profile."""
    if person.deleted_at is not None:
        return False
    return person.public_profile or Person.objects.for_user(actor).filter(pk=person.pk).exists()


@transaction.atomic
def add_resident(actor: Any, station: Station, person: Person, *, role: str = "",
                 joined_on: dt.date | None = None) -> StationExpert:
    station = _lock(station)
    require(actor, "innovation.change", station.org_path)
    if station.deleted_at is not None:
        raise ValidationError(_("工作站已撤销或删除，不能再进站。"))
    Station.WORKFLOW.check(station, "add_resident")
    if not is_system(actor) and not can_reside(actor, person):
        raise ValidationError(_("该专家不在您的管理范围内且未公开专家信息。"))
    role = (role or "").strip()
    if len(role) > limits.NAME:
        raise ValidationError(_("角色不能超过 40 个字。"))
    joined_on = joined_on or timezone.localdate()
    row = StationExpert.objects.filter(station=station, person=person).first()
    if row is not None and row.left_on is None:
        raise ValidationError(_("该专家已在站。"))
    if row is None:
        row = StationExpert.objects.create(station=station, person=person, role=role, joined_on=joined_on)
    else:  # back in residence: the same row, a new period
        row.role, row.joined_on, row.left_on = role, joined_on, None
        row.save()
    log_action(actor, "innovation.station.resident_added", station, scope_path=station.org_path,
               extra={"person": person.pk, "name": person.name, "role": role, "joined_on": joined_on.isoformat()})
    return row


@transaction.atomic
def remove_resident(actor: Any, station: Station, person: Person, left_on: dt.date | None = None) -> StationExpert:
    station = _lock(station)
    require(actor, "innovation.change", station.org_path)
    row = StationExpert.objects.filter(station=station, person=person, left_on__isnull=True).first()
    if row is None:
        raise ValidationError(_("该专家不在站。"))
    left_on = left_on or timezone.localdate()
    if left_on < row.joined_on:
        raise ValidationError(_("离站日期不能早于进站日期。"))
    row.left_on = left_on
    row.save(update_fields=["left_on"])
    log_action(actor, "innovation.station.resident_removed", station, scope_path=station.org_path,
               extra={"person": person.pk, "name": person.name, "left_on": left_on.isoformat()})
    return row


# ---- yearly results ----------------------------------------------------------------------------------
def clean_year(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    errors: list[str] = []
    out: dict[str, Any] = {}
    labels = {"projects": _("合作项目数"), "patents": _("专利数"), "trained": _("培养人才数")}
    for key, label in labels.items():
        raw = values.get(key)
        text = "0" if raw in (None, "") else str(raw).strip()
        if isinstance(raw, bool) or not text.isdigit() or int(text) > 10**9:
            errors.append(_("%(f)s应为非负整数。") % {"f": label})
            out[key] = 0
        else:
            out[key] = int(text)
    raw_rev = values.get("revenue")
    try:
        amount = Decimal(str(raw_rev if raw_rev not in (None, "") else "0").replace(",", "").strip())
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
            raise InvalidOperation
        out["revenue"] = amount.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors.append(_("新增产值应为非负数（万元）。"))
    note = str(values.get("note") or "").strip()
    if len(note) > limits.REASON:
        errors.append(_("说明不能超过 2000 字。"))
    out["note"] = note
    return out, errors


@transaction.atomic
def record_year(actor: Any, station: Station, year: int, **values: Any) -> StationYear:
    """One row of results per station and year: created, or corrected (audited with before and after)."""
    station = _lock(station)
    require(actor, "innovation.change", station.org_path)
    if station.deleted_at is not None:
        raise ValidationError(_("工作站已删除，请先恢复。"))
    errors: list[str] = []
    this_year = timezone.localdate().year
    if isinstance(year, bool) or not isinstance(year, int) or year < FIRST_YEAR:
        errors.append(_("请填写正确的年度。"))
    elif year > this_year:
        errors.append(_("年度不能晚于今年（%(y)s）。") % {"y": this_year})
    data, more = clean_year(values)
    errors += more
    if errors:
        raise ValidationError(errors)
    row = StationYear.objects.select_for_update().filter(station=station, year=year).first()
    before = snapshot(row, YEAR_FIELDS) if row is not None else None
    if row is None:
        row = StationYear(station=station, year=year, org_path=station.org_path)
    for k, v in data.items():
        setattr(row, k, v)
    row.org_path = station.org_path
    row.save()
    log_action(actor, "innovation.station.year_recorded", station, scope_path=station.org_path, before=before,
               after=snapshot(row, YEAR_FIELDS), extra={"year": year})
    return row


def residents_count(station: Station) -> int:
    return StationExpert.objects.filter(station=station, left_on__isnull=True).count()


def require_view(actor: Any, station: Station) -> None:
    if not user_can(actor, "innovation.view", station.org_path):
        raise PermissionDenied(_("您无权查看该工作站。"))
