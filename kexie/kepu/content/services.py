"""Writes of 科普作品 authoring (decision 0049): an item is created as a draft of an organisation (``kepu.change``
there), edited while it is a draft or returned for changes (the author or any ``kepu.change`` holder over its
current place), or by an editor (``kepu.publish``) during editorial review while holding the edit lock. Every
change of title, summary or body is a new ``ItemVersion`` (``number`` = the bumped ``item.version``) with the
editor's note, so the versions page can show what changed. Locks last ``LOCK_MINUTES`` and are renewed on save; a
second editor is refused with who holds the lock and until when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.scope import user_can
from kexie.core.search import index_text
from kexie.core.services import is_system, require
from kexie.kepu.content.sanitize import clean_html, plain_text
from kexie.kepu.models import (
    Audience,
    Incident,
    IncidentStatus,
    Item,
    ItemEvent,
    ItemEventAction,
    ItemKind,
    ItemStatus,
    ItemVersion,
    Topic,
)
from kexie.orgs.models import Organisation, Region
from kexie.people.models import Discipline

LOCK_MINUTES = 30
TEXT_FIELDS = ("title", "summary", "body")
PLAIN_FIELDS = ("kind", "title", "summary", "body", "source", "source_url", "byline", "health")
TAG_FIELDS = ("disciplines", "topics", "audiences", "regions")
EDITABLE = {ItemStatus.DRAFT, ItemStatus.RETURNED}
LIMITS = {"title": 120, "summary": 300, "body": 100_000, "source": 120, "source_url": 500, "byline": 120}
MAX_TAGS = 50


def actor_user(actor: Any) -> Any:
    """The user row an actor stands for (None for SYSTEM)."""
    return None if is_system(actor) or not getattr(actor, "pk", None) else actor


def lock_held_by_other(item: Item, actor: Any, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (item.locked_by_id is not None and item.locked_until is not None and item.locked_until > now
            and item.locked_by_id != getattr(actor, "pk", None))


def lock_message(item: Item) -> str:
    until = timezone.localtime(item.locked_until).strftime("%H:%M") if item.locked_until else ""
    return _("%(name)s正在编辑（至 %(until)s），请稍后再修改。") % {"name": item.locked_by or _("其他人"),
                                                               "until": until}


def _text(value: Any, field: str, errors: dict[str, str], *, required: bool = False) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        errors[field] = _("请填写标题。")
    elif len(text) > LIMITS[field]:
        errors[field] = _("不能超过 %(n)s 个字。") % {"n": LIMITS[field]}
    return text


def clean_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The plain fields as stored (the body sanitised); a Chinese ValidationError per bad field."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if "kind" in data:
        out["kind"] = str(data["kind"] or "")
        if out["kind"] not in ItemKind.values:
            errors["kind"] = _("请选择作品形式。")
    if "title" in data:
        out["title"] = _text(data["title"], "title", errors, required=True)
    for field in ("summary", "source", "byline", "source_url"):
        if field in data:
            out[field] = _text(data[field], field, errors)
    if out.get("source_url"):
        try:
            URLValidator(schemes=["http", "https"])(out["source_url"])
        except ValidationError:
            errors["source_url"] = _("来源链接须是 http 或 https 开头的网址。")
    if "body" in data:
        raw = str(data["body"] or "")
        if len(raw) > LIMITS["body"] * 2:
            errors["body"] = _("正文不能超过 %(n)s 个字。") % {"n": LIMITS["body"]}
        else:
            out["body"] = clean_html(raw)
            if len(out["body"]) > LIMITS["body"]:
                errors["body"] = _("正文不能超过 %(n)s 个字。") % {"n": LIMITS["body"]}
    if "health" in data:
        out["health"] = bool(data["health"])
    if errors:
        raise ValidationError(errors)
    return out


def _tags(data: dict[str, Any]) -> dict[str, list[Any]]:
    """The tag lists given (objects or ids), each checked against its vocabulary."""
    models: dict[str, Any] = {"disciplines": Discipline, "topics": Topic, "audiences": Audience, "regions": Region}
    out: dict[str, list[Any]] = {}
    for field in TAG_FIELDS:
        if field not in data:
            continue
        values = list(data[field] or ())
        if len(values) > MAX_TAGS:
            raise ValidationError({field: _("最多选择 %(n)s 项。") % {"n": MAX_TAGS}})
        ids = {getattr(v, "pk", v) for v in values}
        found = list(models[field].objects.filter(pk__in=[i for i in ids if isinstance(i, int)]))
        if len(found) != len(ids):
            raise ValidationError({field: _("所选项目不存在，请重新选择。")})
        out[field] = found
    return out


def _check_incident(actor: Any, incident: Incident | None, org_path: str) -> Incident | None:
    if incident is None:
        return None
    incident = Incident.objects.filter(pk=incident.pk).first()
    if incident is None or incident.status != IncidentStatus.ACTIVE:
        raise ValidationError({"incident": _("所选应急事件不存在或已结束。")})
    if not (org_path.startswith(incident.org_path) or is_system(actor)
            or user_can(actor, "kepu.view", incident.org_path)):
        raise ValidationError({"incident": _("所选应急事件不在您的范围内。")})
    return incident


def index_text_of(item: Item) -> str:
    """What search finds an item by: title, byline, source, its topics and audiences whole; summary and body
    segmented."""
    names = [str(t.name) for t in item.topics.all()] + [str(a.name) for a in item.audiences.all()]
    return index_text(whole=[item.title, item.byline, item.source, *names],
                      segmented=[item.summary, plain_text(item.body)])


def _event(actor: Any, item: Item, action: str, comment: str = "") -> ItemEvent:
    return ItemEvent.objects.create(item=item, action=action, actor=actor_user(actor), org_path=item.org_path,
                                    version=item.version, comment=comment[:4000])


def _version(actor: Any, item: Item, note: str) -> ItemVersion:
    return ItemVersion.objects.create(item=item, number=item.version, title=item.title, summary=item.summary,
                                      body=item.body, note=note[:300], created_by=actor_user(actor))


def _set_tags(item: Item, tags: dict[str, list[Any]]) -> None:
    for field, values in tags.items():
        getattr(item, field).set(values)


def _tag_snapshot(item: Item) -> dict[str, list[str]]:
    return {field: sorted(str(v) for v in getattr(item, field).all()) for field in TAG_FIELDS}


@transaction.atomic
def create_item(actor: Any, *, org: Organisation, kind: str, title: str, summary: str = "", body: str = "",
                source: str = "", source_url: str = "", byline: str = "", health: bool = False,
                disciplines: Iterable[Any] = (), topics: Iterable[Any] = (), audiences: Iterable[Any] = (),
                regions: Iterable[Any] = (), incident: Incident | None = None, note: str = "",
                origin: Item | None = None) -> Item:
    """A draft of ``org`` (``kepu.change`` there), version 1, written by the actor."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    require(actor, "kepu.change", org.path)
    if org.deleted_at is not None:
        raise ValidationError({"org": _("该组织已删除。")})
    fields = clean_fields({"kind": kind, "title": title, "summary": summary, "body": body, "source": source,
                           "source_url": source_url, "byline": byline, "health": health})
    tags = _tags({"disciplines": disciplines, "topics": topics, "audiences": audiences, "regions": regions})
    incident = _check_incident(actor, incident, org.path)
    item = Item.objects.create(org=org, org_path=org.path, author=actor_user(actor), incident=incident,
                               origin=origin, status=ItemStatus.DRAFT, version=1, **fields)
    _set_tags(item, tags)
    item.search_text = index_text_of(item)
    item.save(update_fields=["search_text"])
    _version(actor, item, note or _("初稿"))
    _event(actor, item, ItemEventAction.CREATED, note)
    log_action(actor, "kepu.item.created", item, scope_path=item.org_path,
               after={**snapshot(item, ("org", *PLAIN_FIELDS, "incident")), **_tag_snapshot(item)})
    return item


def check_editable(actor: Any, item: Item, now: dt.datetime | None = None) -> None:
    """Raise unless ``actor`` may change ``item`` now (status, role, lock): the refusal says why in Chinese."""
    require(actor, "kepu.change", item.org_path)
    if item.deleted_at is not None:
        raise ValidationError(_("该作品已删除。"))
    if item.status == ItemStatus.EDITORIAL:
        if not is_system(actor) and not user_can(actor, "kepu.publish", item.org_path):
            raise PermissionDenied(_("作品在编辑审核中，只有编辑可以修改。"))
    elif item.status not in EDITABLE:
        raise ValidationError({
            ItemStatus.SCIENCE: _("作品正在科学性审核中，撤回审核后才能修改。"),
            ItemStatus.APPROVED: _("作品已审核通过、等待发布，不能再修改。"),
            ItemStatus.PUBLISHED: _("已发布的作品不能直接修改：撤稿后修改，再重新送审。"),
            ItemStatus.RETRACTED: _("已撤稿的作品须先“修改后重新送审”才能修改。"),
        }.get(ItemStatus(item.status), _("当前状态不能修改。")))
    if not is_system(actor) and lock_held_by_other(item, actor, now):
        raise ValidationError(lock_message(item))


@transaction.atomic
def update_item(actor: Any, item: Item | int, *, note: str = "", **fields: Any) -> Item:
    """Change an item's fields (only those given). A change of title, summary or body makes a new version; the
    actor's edit lock is renewed."""
    pk = item if isinstance(item, int) else item.pk
    item = Item.objects.select_for_update().get(pk=pk)
    now = timezone.now()
    check_editable(actor, item, now)
    unknown = set(fields) - {*PLAIN_FIELDS, *TAG_FIELDS, "incident"}
    if unknown:
        raise ValueError(f"update_item: unknown fields {sorted(unknown)}")
    clean = clean_fields({k: v for k, v in fields.items() if k in PLAIN_FIELDS})
    tags = _tags(fields)
    before = {**snapshot(item, (*PLAIN_FIELDS, "incident")), **_tag_snapshot(item)}
    text_before = tuple(getattr(item, f) for f in TEXT_FIELDS)
    if "incident" in fields:
        item.incident = _check_incident(actor, fields["incident"], item.org_path)
    for field, value in clean.items():
        setattr(item, field, value)
    text_changed = tuple(getattr(item, f) for f in TEXT_FIELDS) != text_before
    if text_changed:
        item.version += 1
    holds = item.locked_by_id is not None and item.locked_by_id == getattr(actor, "pk", None)
    if actor_user(actor) is not None and (holds or item.status == ItemStatus.EDITORIAL):
        item.locked_by, item.locked_until = actor, now + dt.timedelta(minutes=LOCK_MINUTES)  # renewed on save
    item.save()
    _set_tags(item, tags)
    item.search_text = index_text_of(item)
    item.save(update_fields=["search_text"])
    after = {**snapshot(item, (*PLAIN_FIELDS, "incident")), **_tag_snapshot(item)}
    if after == before:
        return item
    if text_changed:
        _version(actor, item, note)
    _event(actor, item, ItemEventAction.EDITED, note)
    log_action(actor, "kepu.item.edited", item, scope_path=item.org_path, before=before, after=after,
               extra={"version": item.version, "note": note[:300]})
    return item


@transaction.atomic
def acquire_lock(actor: Any, item: Item | int) -> Item:
    """Start editing: the item is the actor's for ``LOCK_MINUTES`` (refused if it may not be edited now)."""
    pk = item if isinstance(item, int) else item.pk
    item = Item.objects.select_for_update().get(pk=pk)
    now = timezone.now()
    check_editable(actor, item, now)
    if actor_user(actor) is not None:
        item.locked_by, item.locked_until = actor, now + dt.timedelta(minutes=LOCK_MINUTES)
        item.save(update_fields=["locked_by", "locked_until", "updated_at"])
    return item


@transaction.atomic
def release_lock(actor: Any, item: Item | int) -> Item:
    """Finish editing: the actor's lock is released (another's lock is left alone)."""
    pk = item if isinstance(item, int) else item.pk
    item = Item.objects.select_for_update().get(pk=pk)
    require(actor, "kepu.change", item.org_path)
    if item.locked_by_id is not None and (item.locked_by_id == getattr(actor, "pk", None) or is_system(actor)):
        item.locked_by, item.locked_until = None, None
        item.save(update_fields=["locked_by", "locked_until", "updated_at"])
    return item
