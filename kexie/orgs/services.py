"""Writes to the organisation tree: one transaction, a scope check on fresh rows, an audit row."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from treebeard.exceptions import PathOverflow

from kexie.core.audit import log_action, snapshot
from kexie.core.fields import PathField
from kexie.core.scope import prefix_q
from kexie.core.services import require
from kexie.orgs.models import Organisation


def _fresh(org: Organisation) -> Organisation:
    # The tree's manager comes from django-treebeard, which ships no type information.
    current: Organisation = Organisation.objects.select_for_update().get(pk=org.pk)
    return current


@transaction.atomic
def create_organisation(actor: Any, parent: Organisation | None, data: dict[str, Any]) -> Organisation:
    org: Organisation
    if parent is None:
        if not getattr(actor, "is_superuser", False):
            raise ValidationError(_("只有系统管理员可以创建顶级组织。"))
        org = Organisation.objects.add_root(data)
    else:
        parent = _fresh(parent)
        require(actor, "orgs.change", parent.path)
        if parent.deleted_at:
            raise ValidationError(_("上级组织已删除，不能在其下新建组织。"))
        org = Organisation.objects.add_child(parent, data)
    log_action(actor, "orgs.organisation.created", org, scope_path=org.path,
               after=snapshot(org, Organisation.AUDIT_FIELDS))
    return org


@transaction.atomic
def update_organisation(actor: Any, org: Organisation, data: dict[str, Any]) -> Organisation:
    current = _fresh(org)
    require(actor, "orgs.change", current.path)
    before = snapshot(current, Organisation.AUDIT_FIELDS)
    for key, value in data.items():
        setattr(current, key, value)
    current.full_clean(exclude=["path", "depth", "numchild"])
    current.save()
    after = snapshot(current, Organisation.AUDIT_FIELDS)
    if before != after:
        log_action(actor, "orgs.organisation.changed", current, scope_path=current.path, before=before, after=after)
    return current


@transaction.atomic
def delete_organisation(actor: Any, org: Organisation) -> Organisation:
    current = _fresh(org)
    require(actor, "orgs.change", current.path)
    if current.depth == 1:
        raise ValidationError(_("不能删除顶级组织。"))
    if Organisation.objects.filter(path__startswith=current.path, depth=current.depth + 1,
                                   deleted_at__isnull=True).exists():
        raise ValidationError(_("该组织仍有下级组织，请先删除或迁移下级组织。"))
    current.deleted_at = timezone.now()
    current.save(update_fields=["deleted_at"])
    _rebuild_scopes_under(actor, current.path)
    log_action(actor, "orgs.organisation.deleted", current, scope_path=current.path)
    return current


def _rebuild_scopes_under(actor: Any, path: str) -> None:
    """Roles held in a deleted organisation reach nothing any more (and reach again once it is restored)."""
    from kexie.accounts.models import User
    from kexie.accounts.services import rebuild_scopes_under

    rebuild_scopes_under(path)
    if isinstance(actor, User) and actor.pk:
        actor.refresh_from_db(fields=["scope_cache"])


@transaction.atomic
def restore_organisation(actor: Any, org: Organisation) -> Organisation:
    current = _fresh(org)
    require(actor, "orgs.change", current.path)
    parent = Organisation.objects.get_parent(current)
    if parent is not None and parent.deleted_at:
        raise ValidationError(_("上级组织已删除，请先恢复上级组织。"))
    current.deleted_at = None
    current.save(update_fields=["deleted_at"])
    _rebuild_scopes_under(actor, current.path)
    log_action(actor, "orgs.organisation.restored", current, scope_path=current.path)
    return current


def path_columns() -> list[tuple[type[models.Model], str]]:
    """Every denormalised copy of an organisation path outside the tree itself: each concrete column declared
    as a ``PathField`` (kexie.core.fields), whatever its name (``org_path``, ``society_path``, ``need_path``,
    ``expert_path``, ``scope_path`` …)."""
    found: list[tuple[type[models.Model], str]] = []
    for model in apps.get_models():
        if model is Organisation or model._meta.proxy or not model._meta.managed:
            continue
        found.extend((model, f.name) for f in model._meta.concrete_fields if isinstance(f, PathField))
    return found


def _rewrite_paths(old: str, new: str) -> dict[str, int]:
    """One set-based UPDATE per path column: rows under ``old`` get ``new || substr(column, len(old) + 1)``."""
    updated: dict[str, int] = {}
    for model, column in path_columns():
        rows = model._base_manager.filter(prefix_q(column, [old])).update(
            **{column: Concat(Value(new), Substr(column, len(old) + 1), output_field=models.CharField())}
        )
        updated[f"{model._meta.db_table}.{column}"] = rows
    return updated


@transaction.atomic
def move(actor: Any, org: Organisation, new_parent: Organisation) -> Organisation:
    """Move ``org`` and its whole subtree under ``new_parent``: the tree's paths, every denormalised
    path column, every user's scope cache, one audit row. Head counts follow by themselves (subtree
    totals are sums of ``people_count`` by path prefix)."""
    from kexie.accounts.models import User
    from kexie.accounts.services import rebuild_all_scopes

    rows = Organisation.objects.select_for_update().filter(pk__in={org.pk, new_parent.pk}).order_by("pk")
    locked: dict[int, Organisation] = {o.pk: o for o in rows}
    current, target = locked[org.pk], locked[new_parent.pk]
    require(actor, "orgs.change", current.path)
    require(actor, "orgs.change", target.path)
    if current.deleted_at:
        raise ValidationError(_("已删除的组织不能迁移，请先恢复。"))
    if current.depth == 1:
        raise ValidationError(_("不能迁移顶级组织。"))
    if target.path.startswith(current.path):
        raise ValidationError(_("不能把组织迁移到它自身或它的下级组织之下。"))
    if target.deleted_at:
        raise ValidationError(_("上级组织已删除，不能迁移到其下。"))
    old_path = current.path
    if old_path[: -Organisation.steplen] == target.path:
        raise ValidationError(_("该组织已在所选上级组织之下。"))
    deepest = Organisation.objects.filter(prefix_q("path", [old_path])).aggregate(d=Max("depth"))["d"]
    max_length = Organisation._meta.get_field("path").max_length or 255
    if (deepest - current.depth + target.depth + 1) * Organisation.steplen > max_length:
        raise ValidationError(_("迁移后组织层级过深，无法迁移。"))
    old_parent = Organisation.objects.get(path=old_path[: -Organisation.steplen])

    try:
        Organisation.objects.move(current, target, "last-child")
    except PathOverflow:
        raise ValidationError(_("所选上级组织的下级组织编号已用尽，无法迁移。")) from None
    current.refresh_from_db()
    new_path = current.path
    updated = _rewrite_paths(old_path, new_path)
    rebuild_all_scopes()
    if isinstance(actor, User) and actor.pk:
        actor.refresh_from_db(fields=["scope_cache"])

    moved_orgs = Organisation.objects.filter(prefix_q("path", [new_path])).count()
    log_action(actor, "orgs.organisation.moved", current, scope_path=new_path,
               before={gettext_noop("上级组织"): str(old_parent), gettext_noop("路径"): old_path},
               after={gettext_noop("上级组织"): str(target), gettext_noop("路径"): new_path},
               extra={"organisations": moved_orgs, "updated": updated})
    return current
