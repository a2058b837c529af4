"""Cross-cutting records: the domain audit log and the log of full views of personal data."""

from __future__ import annotations

from typing import Self, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet

_M = TypeVar("_M", bound=models.Model)


class AuditEntry(models.Model):
    """审计日志: who did what to which record, with masked before/after data."""

    action = models.CharField(_("操作"), max_length=80, db_index=True)  # e.g. "orgs.organisation.changed"
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("操作人")
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(_("对象"), max_length=200)
    scope_path = PathField(max_length=255, db_index=True, blank=True)
    data = models.JSONField(_("变更内容"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "scope_path"

    class Meta:
        verbose_name = verbose_name_plural = _("审计日志")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    @property
    def description(self) -> str:
        """What the action was, in words (the app's description of the code; ``kexie.core.audit.describe``)."""
        from kexie.core.audit import describe

        return describe(self.action)

    def changes(self) -> list[tuple[str, object, object]]:
        """Changed fields as (label, before, after). Labels are stored in Chinese (the message ids,
        see ``audit.snapshot``) and shown in the interface language."""
        before = self.data.get("before") or {}
        after = self.data.get("after") or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(gettext(k) if k else k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class PiiAccess(models.Model):
    """个人信息查看日志: every view of a full ID or phone number."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("查看人"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    field = models.CharField(_("字段"), max_length=40)
    ip = models.GenericIPAddressField(null=True, blank=True)
    scope_path = PathField(max_length=255, db_index=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "scope_path"

    class Meta:
        verbose_name = verbose_name_plural = _("个人信息查看日志")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.field} {self.created_at:%Y-%m-%d %H:%M}"


class SoftDeleteQuerySet(ScopedQuerySet[_M]):
    def alive(self) -> Self:
        return self.filter(deleted_at__isnull=True)


class SoftDeleteModel(models.Model):
    """Business records are never hard-deleted: ``deleted_at`` marks them, restore clears it."""

    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class WorkflowEvent(models.Model):
    """The common columns of a workflow's history rows (申报记录, 课题记录, 填报记录, 需求办理记录): who acted, when,
    and the organisation path the row is scoped by. Each history model adds its record, its ``action`` choices, its
    comment and its ``Meta``; the columns here are exactly those the tables already had, so the base changes no
    schema. ``MembershipEvent`` keeps its own fields (a date of the event, ``created_at``, no path)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    org_path = PathField(max_length=255, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_path_field: str | None = "org_path"

    class Meta:
        abstract = True
