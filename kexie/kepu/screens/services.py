"""Writes of 科普大屏 (public screens): registration and editing by the managing organisation's staff
(``kepu.screens``), keys (a random key shown once, only its SHA-256 stored), the screens' heartbeats (at most one
write a minute per screen) and the daily notice of screens silent for more than a day (once per silent spell)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.services import require
from kexie.kepu.models import Screen, Topic
from kexie.notices.services import notify
from kexie.orgs.models import Organisation, Region
from kexie.signup.recipients import deciders

SILENT_AFTER = dt.timedelta(hours=24)
HEARTBEAT_EVERY = dt.timedelta(seconds=60)
KEY_BYTES = 24
KEY_MAX = 200


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    key = secrets.token_urlsafe(KEY_BYTES)
    return key, digest(key)


def _clean(name: str, location: str) -> tuple[str, str]:
    name, location = " ".join(str(name or "").split()), " ".join(str(location or "").split())
    errors = {}
    if not name:
        errors["name"] = _("请填写大屏名称。")
    elif len(name) > 80:
        errors["name"] = _("名称不能超过 80 个字。")
    if not location:
        errors["location"] = _("请填写安放地点。")
    elif len(location) > 200:
        errors["location"] = _("安放地点不能超过 200 个字。")
    if errors:
        raise ValidationError(errors)
    return name, location


@transaction.atomic
def create_screen(actor: Any, *, org: Organisation, name: str, location: str, region: Region | None = None,
                  topics: Iterable[Topic] = (), active: bool = True) -> tuple[Screen, str]:
    """登记大屏: returns the screen and its key — the only time the key exists outside the screen."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    require(actor, "kepu.screens", org.path)
    name, location = _clean(name, location)
    key, key_digest = _new_key()
    screen = Screen.objects.create(org=org, org_path=org.path, name=name, location=location, region=region,
                                   key_digest=key_digest, active=active)
    screen.topics.set(list(topics))
    log_action(actor, "kepu.screen.created", screen, scope_path=screen.org_path,
               after={**snapshot(screen, Screen.AUDIT_FIELDS), "topics": sorted(t.code for t in topics)})
    return screen, key


@transaction.atomic
def edit_screen(actor: Any, screen: Screen, *, name: str, location: str, region: Region | None = None,
                topics: Iterable[Topic] = (), active: bool = True) -> Screen:
    locked = Screen.objects.select_for_update().get(pk=screen.pk)
    require(actor, "kepu.screens", locked.org_path)
    name, location = _clean(name, location)
    before = {**snapshot(locked, Screen.AUDIT_FIELDS), "topics": sorted(locked.topics.values_list("code", flat=True))}
    locked.name, locked.location, locked.region, locked.active = name, location, region, active
    locked.save(update_fields=["name", "location", "region", "active"])
    topics = list(topics)
    locked.topics.set(topics)
    log_action(actor, "kepu.screen.edited", locked, scope_path=locked.org_path, before=before,
               after={**snapshot(locked, Screen.AUDIT_FIELDS), "topics": sorted(t.code for t in topics)})
    return locked


@transaction.atomic
def issue_key(actor: Any, screen: Screen) -> str:
    """A new key for the screen; the old one stops working at once. Only the new key's digest is kept."""
    locked = Screen.objects.select_for_update().get(pk=screen.pk)
    require(actor, "kepu.screens", locked.org_path)
    key, locked.key_digest = _new_key()
    locked.save(update_fields=["key_digest"])
    log_action(actor, "kepu.screen.key_issued", locked, scope_path=locked.org_path)
    return key


def by_key(key: str | None) -> Screen | None:
    """The active screen whose key this is (compared by digest), else None."""
    key = str(key or "")
    if not key or len(key) > KEY_MAX or "\x00" in key:
        return None
    screen: Screen | None = Screen.objects.filter(key_digest=digest(key), active=True).first()
    return screen


def heartbeat(screen: Screen, now: dt.datetime | None = None) -> bool:
    """Record that the screen is playing; written at most once a minute per screen (one conditional UPDATE, no
    lock). Returns whether a write happened."""
    now = now or timezone.now()
    return bool(Screen.objects.filter(pk=screen.pk).filter(
        Q(last_heartbeat_at__isnull=True) | Q(last_heartbeat_at__lte=now - HEARTBEAT_EVERY))
        .update(last_heartbeat_at=now))


def silent_q(now: dt.datetime | None = None) -> Q:
    """Screens silent for more than a day: the last heartbeat (or, never heard from, the registration) is
    older than 24 hours."""
    cutoff = (now or timezone.now()) - SILENT_AFTER
    return Q(last_heartbeat_at__lt=cutoff) | Q(last_heartbeat_at__isnull=True, created_at__lt=cutoff)


def silent_screens(now: dt.datetime | None = None) -> QuerySet[Screen]:
    return Screen.objects.filter(silent_q(now), active=True).select_related("org").order_by("org_path", "name")


def notify_silent(now: dt.datetime | None = None) -> dict[str, int]:
    """Daily: tell the kepu.screens holders of each silent screen's managing organisation (the nearest level
    that has any). The notice key names the screen and the start of its silence, so one silent spell gives one
    notice; a screen that comes back and falls silent again gives a new one."""
    screens, sent = 0, 0
    for screen in silent_screens(now).iterator(chunk_size=500):
        screens += 1
        since = screen.last_heartbeat_at or screen.created_at
        users = deciders(screen.org_path, ("kepu.screens",))
        when = timezone.localtime(since).strftime("%Y-%m-%d %H:%M")
        sent += notify(users, title=_("科普大屏“%(name)s”已超过一天没有心跳") % {"name": screen.name},
                       body=_("%(org)s 管理的大屏（%(location)s）自 %(when)s 起没有联系平台，请检查电源、网络和播放页面。")
                       % {"org": screen.org.name, "location": screen.location, "when": when},
                       url=reverse("kepu:screen-edit", args=[screen.pk]),
                       key=f"kepu-screen-silent-{screen.pk}-{int(since.timestamp())}")
    return {"screens": screens, "notices": sent}
