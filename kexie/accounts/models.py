"""Users hold roles in organisations; a role grants actions over the organisation's subtree."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from kexie.core.scope import ACTIONS, ScopedQuerySet

ACTION_LABELS = {
    "view": _("查看"),
    "change": _("编辑"),
    "export": _("导出"),
    "view_pii": _("查看完整个人信息"),
    "manage": _("管理用户与角色"),
}
assert set(ACTION_LABELS) == set(ACTIONS)


class User(AbstractUser):
    """用户. ``scope_cache`` holds, per action, the minimal set of organisation path prefixes the
    user reaches through their roles; it is rebuilt whenever roles or the tree change."""

    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    scope_cache = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.Model):
    """角色 — data: a name and the actions it allows."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    actions = models.JSONField(_("权限"), default=list)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("角色")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def action_labels(self) -> list[str]:
        return [ACTION_LABELS.get(a, a) for a in self.actions]


class RoleAssignment(models.Model):
    """用户在某组织担任的角色; covers the organisation's whole subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("用户"))
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="assignments", verbose_name=_("组织")
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, verbose_name=_("角色"))
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("角色授予")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="role_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}: {self.role}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> models.Q:
        from kexie.core.scope import prefix_q

        return prefix_q("organisation__path", paths)
