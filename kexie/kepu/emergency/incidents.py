"""应急事件: registered, edited and closed by ``kepu.emergency`` over the responding organisation. The fast-track
approver is a named staff user who holds ``kepu.emergency`` or ``kepu.publish`` over that organisation (a role at
the organisation itself or above it); ``approver_choices`` lists them by name for the form."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.accounts.models import User
from kexie.accounts.services import users_at
from kexie.core.audit import log_action, snapshot
from kexie.core.scope import user_can
from kexie.core.services import require
from kexie.kepu.models import Incident, IncidentKind, IncidentStatus
from kexie.orgs.models import Organisation, Region

APPROVER_ACTIONS = ("kepu.emergency", "kepu.publish")
MIN_HOURS, MAX_HOURS, DEFAULT_HOURS = 1, 72, 24
FIELDS = ("kind", "title", "summary", "region", "approver", "after_review_hours")


def ancestor_paths(path: str) -> list[str]:
    """``path`` and every ancestor's, nearest first."""
    step = Organisation.steplen
    return [path[:i] for i in range(len(path), 0, -step)] if path and len(path) % step == 0 else []


def may_approve(user: Any, path: str) -> bool:
    """Whether ``user`` can be named the fast-track approver of an incident of the organisation at ``path``."""
    return bool(getattr(user, "is_active", False)) and any(user_can(user, a, path) for a in APPROVER_ACTIONS)


def approver_choices(orgs: Iterable[Organisation], limit: int = 300) -> list[tuple[User, str]]:
    """The active users who hold an approver action over any of ``orgs`` (roles at those organisations or their
    ancestors), each with the organisation of the role that places them, by name."""
    paths = {p for o in orgs for p in ancestor_paths(o.path)}
    if not paths:
        return []
    names = dict(Organisation.objects.filter(path__in=paths, deleted_at__isnull=True).values_list("pk", "name"))
    found: dict[int, tuple[User, str]] = {}
    for action in APPROVER_ACTIONS:
        for org_id, users in users_at(names, action).items():
            for u in users:
                found.setdefault(u.pk, (u, names[org_id]))
    rows = sorted(found.values(), key=lambda pair: (pair[1], str(pair[0])))
    return rows[:limit]


def _clean(org: Organisation, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": str(data.get("kind") or ""),
        "title": str(data.get("title") or "").strip(),
        "summary": str(data.get("summary") or "").strip(),
        "region": data.get("region"),
        "approver": data.get("approver"),
        "after_review_hours": data.get("after_review_hours", DEFAULT_HOURS),
    }
    errors: dict[str, str] = {}
    if out["kind"] not in IncidentKind.values:
        errors["kind"] = _("请选择事件类型。")
    if not out["title"]:
        errors["title"] = _("请填写事件名称。")
    elif len(out["title"]) > 120:
        errors["title"] = _("事件名称不能超过 120 个字。")
    if len(out["summary"]) > 4000:
        errors["summary"] = _("事件说明不能超过 4000 个字。")
    if out["region"] is not None and not isinstance(out["region"], Region):
        errors["region"] = _("请选择发生地区。")
    hours = out["after_review_hours"]
    if not isinstance(hours, int) or isinstance(hours, bool) or not MIN_HOURS <= hours <= MAX_HOURS:
        errors["after_review_hours"] = _("事后审核时限须为 1 至 72 小时。")
    approver = out["approver"]
    if not isinstance(approver, User) or not may_approve(approver, org.path):
        errors["approver"] = _("审批人须是对响应单位有应急发布或编辑发布权限的工作人员。")
    if errors:
        raise ValidationError(errors)
    return out


def _lock(incident: Incident | int) -> Incident:
    pk = incident if isinstance(incident, int) else incident.pk
    return Incident.objects.select_for_update().get(pk=pk)


@transaction.atomic
def create_incident(actor: Any, *, org: Organisation, **data: Any) -> Incident:
    """登记应急事件 of ``org`` (``kepu.emergency`` there); it starts now, active."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    require(actor, "kepu.emergency", org.path)
    if org.deleted_at is not None:
        raise ValidationError(_("该组织已删除。"))
    clean = _clean(org, data)
    if clean["region"] is None:
        clean["region"] = org.region
    incident = Incident.objects.create(org=org, org_path=org.path, started_at=timezone.now(),
                                       created_by=actor if getattr(actor, "pk", None) else None, **clean)
    log_action(actor, "kepu.incident.created", incident, scope_path=incident.org_path,
               after=snapshot(incident, Incident.AUDIT_FIELDS))
    return incident


@transaction.atomic
def edit_incident(actor: Any, incident: Incident | int, **data: Any) -> Incident:
    incident = _lock(incident)
    require(actor, "kepu.emergency", incident.org_path)
    if incident.status != IncidentStatus.ACTIVE:
        raise ValidationError(_("事件已结束，不能再修改。"))
    clean = _clean(incident.org, data)
    before = snapshot(incident, Incident.AUDIT_FIELDS)
    for field, value in clean.items():
        setattr(incident, field, value)
    incident.save(update_fields=list(FIELDS))
    log_action(actor, "kepu.incident.edited", incident, scope_path=incident.org_path, before=before,
               after=snapshot(incident, Incident.AUDIT_FIELDS))
    return incident


@transaction.atomic
def close_incident(actor: Any, incident: Incident | int) -> Incident:
    """结束响应: no more fast-track publication; published items stay, and their after-review goes on."""
    incident = _lock(incident)
    require(actor, "kepu.emergency", incident.org_path)
    if incident.status != IncidentStatus.ACTIVE:
        raise ValidationError(_("事件已经结束。"))
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = timezone.now()
    incident.save(update_fields=["status", "closed_at"])
    log_action(actor, "kepu.incident.closed", incident, scope_path=incident.org_path,
               extra={"from": IncidentStatus.ACTIVE, "to": IncidentStatus.CLOSED})
    return incident
