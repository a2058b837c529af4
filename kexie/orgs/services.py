"""Writes to the organisation tree: one transaction, a scope check on fresh rows, an audit row."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kexie.core.audit import log_action, snapshot
from kexie.core.services import require
from kexie.orgs.models import Organisation


def _fresh(org: Organisation) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=org.pk)


@transaction.atomic
def create_organisation(actor: Any, parent: Organisation | None, data: dict[str, Any]) -> Organisation:
    if parent is None:
        if not getattr(actor, "is_superuser", False):
            raise ValidationError("只有系统管理员可以创建顶级组织。")
        org = Organisation.objects.add_root(data)
    else:
        parent = _fresh(parent)
        require(actor, "change", parent.path)
        if parent.deleted_at:
            raise ValidationError("上级组织已删除，不能在其下新建组织。")
        org = Organisation.objects.add_child(parent, data)
    log_action(actor, "orgs.organisation.created", org, scope_path=org.path,
               after=snapshot(org, Organisation.AUDIT_FIELDS))
    return org


@transaction.atomic
def update_organisation(actor: Any, org: Organisation, data: dict[str, Any]) -> Organisation:
    current = _fresh(org)
    require(actor, "change", current.path)
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
    require(actor, "change", current.path)
    if current.depth == 1:
        raise ValidationError("不能删除顶级组织。")
    if Organisation.objects.filter(path__startswith=current.path, depth=current.depth + 1,
                                   deleted_at__isnull=True).exists():
        raise ValidationError("该组织仍有下级组织，请先删除或迁移下级组织。")
    current.deleted_at = timezone.now()
    current.save(update_fields=["deleted_at"])
    log_action(actor, "orgs.organisation.deleted", current, scope_path=current.path)
    return current


@transaction.atomic
def restore_organisation(actor: Any, org: Organisation) -> Organisation:
    current = _fresh(org)
    require(actor, "change", current.path)
    parent = Organisation.objects.get_parent(current)
    if parent is not None and parent.deleted_at:
        raise ValidationError("上级组织已删除，请先恢复上级组织。")
    current.deleted_at = None
    current.save(update_fields=["deleted_at"])
    log_action(actor, "orgs.organisation.restored", current, scope_path=current.path)
    return current
