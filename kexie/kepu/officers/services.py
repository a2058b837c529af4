"""Writes of 科普中国信息员: registration (a number KP + year + six digits allocated in sequence under a lock, a
random share code), deactivation by the staff of the officer's organisation, and the point rules edited at the
province. Points themselves are written by ``kexie.kepu.officers.points``."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.services import require
from kexie.kepu.models import InfoOfficer, PointAction, PointRule
from kexie.orgs.models import Organisation, Region

NUMBER_PREFIX = "KP"
NUMBER_DIGITS = 6
NAME_MAX = 40
ATTEMPTS = 5


def province_root() -> Organisation | None:
    root: Organisation | None = (Organisation.objects.filter(depth=1, deleted_at__isnull=True)
                                 .order_by("path").first())
    return root


def _next_number(year: int) -> str:
    """The year's next number, the year's last officer row locked (``select_for_update``) so that concurrent
    registrations queue; the unique number catches the first registration of a year racing another."""
    prefix = f"{NUMBER_PREFIX}{year}"
    last: InfoOfficer | None = (InfoOfficer.objects.select_for_update().filter(number__startswith=prefix)
                                .order_by("-number").first())
    seq = int(last.number[len(prefix):]) + 1 if last is not None and last.number[len(prefix):].isdigit() else 1
    return f"{prefix}{seq:0{NUMBER_DIGITS}d}"


def _clean_name(display_name: str) -> str:
    name = " ".join(str(display_name or "").replace("\x00", "").split())
    if not name:
        raise ValidationError({"display_name": _("请填写昵称。")})
    if len(name) > NAME_MAX:
        raise ValidationError({"display_name": _("昵称不能超过 40 个字。")})
    return name


def register(actor: Any, *, org: Organisation, display_name: str, region: Region | None = None) -> InfoOfficer:
    """An individual signs up as 科普中国信息员 of a public organisation (a 科协 or 学会 in operation). One
    registration per user."""
    if not getattr(actor, "pk", None) or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    name = _clean_name(display_name)
    if not Organisation.objects.for_public().filter(pk=org.pk).exists():
        raise ValidationError({"org": _("请选择一个正常运行的科协或学会。")})
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                if InfoOfficer.objects.filter(user_id=actor.pk).exists():
                    raise ValidationError(_("您已经注册为科普信息员。"))
                officer = InfoOfficer.objects.create(
                    user=actor, org=org, org_path=org.path, number=_next_number(timezone.localdate().year),
                    display_name=name, region=region, share_code=secrets.token_urlsafe(9)[:12])
                log_action(actor, "kepu.officer.registered", officer, scope_path=officer.org_path,
                           after=snapshot(officer, ("number", "display_name", "org", "region")))
                return officer
        except IntegrityError:
            continue  # the same number or share code taken meanwhile: allocate again
    raise ValidationError(_("注册人数较多，请稍后再试。"))


@transaction.atomic
def set_active(actor: Any, officer: InfoOfficer, active: bool) -> InfoOfficer:
    """停用 / 恢复 an officer (``kepu.change`` over the officer's organisation): a stopped officer earns no points
    and leaves the ranking."""
    locked = InfoOfficer.objects.select_for_update().get(pk=officer.pk)
    require(actor, "kepu.change", locked.org_path)
    if locked.active != active:
        locked.active = active
        locked.save(update_fields=["active"])
        log_action(actor, "kepu.officer.activated" if active else "kepu.officer.deactivated", locked,
                   scope_path=locked.org_path, after={"active": active})
    return locked


def can_edit_rules(actor: Any) -> bool:
    root = province_root()
    if root is None:
        return False
    try:
        require(actor, "kepu.publish", root.path)
    except PermissionDenied:
        return False
    return True


@transaction.atomic
def save_rules(actor: Any, rows: Iterable[Mapping[str, Any]]) -> int:
    """The point rules as staff edited them (``kepu.publish`` at the province): each row ``action``, ``points``,
    ``daily_cap``, ``active``; returns how many rules changed."""
    root = province_root()
    if root is None:
        raise PermissionDenied(_("您无权修改积分规则。"))
    require(actor, "kepu.publish", root.path)
    changed = 0
    for row in rows:
        action = str(row.get("action") or "")
        if action not in PointAction.values:
            raise ValidationError(_("未知的积分行为。"))
        points, cap = int(row.get("points") or 0), int(row.get("daily_cap") or 0)
        if not (0 <= points <= 1000 and 0 <= cap <= 10000):
            raise ValidationError(_("积分应在 0 到 1000 之间，每日上限在 0 到 10000 之间。"))
        rule = PointRule.objects.select_for_update().filter(action=action).first()
        if rule is None:
            rule = PointRule(action=action, points=0, daily_cap=0, active=False)
        before = snapshot(rule, ("points", "daily_cap", "active")) if rule.pk else None
        new = (points, cap, bool(row.get("active")))
        if rule.pk and (rule.points, rule.daily_cap, rule.active) == new:
            continue
        rule.points, rule.daily_cap, rule.active = new
        rule.save()
        log_action(actor, "kepu.point_rule.changed", rule, scope_path=root.path, before=before,
                   after=snapshot(rule, ("points", "daily_cap", "active")))
        changed += 1
    return changed
