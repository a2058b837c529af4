"""Users hold roles in organisations; a role grants actions over the organisation's subtree.
API tokens are stored as SHA-256 digests (decision 0017)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kexie.core.permissions import describe, expand
from kexie.core.scope import ScopedQuerySet, scope_paths


class User(AbstractUser):
    """用户. ``scope_cache`` holds, per action, the minimal set of organisation path prefixes the
    user reaches through their roles; it is rebuilt whenever roles or the tree change."""

    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    scope_cache = models.JSONField(default=dict, blank=True, editable=False)
    # 等保: a password set by someone else (staff, an import) is changed by its owner at first login; every
    # password expires after KEXIE_PASSWORD_MAX_AGE_DAYS (kexie.accounts.middleware.PasswordPolicyMiddleware).
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"), default=False,
        help_text=_("由管理员或导入创建、重置的账号，首次登录时须由本人修改密码。"))
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def password_expired(self) -> bool:
        days = int(getattr(settings, "KEXIE_PASSWORD_MAX_AGE_DAYS", 90) or 0)
        if days <= 0 or self.password_changed_at is None:
            return False
        return timezone.now() - self.password_changed_at > dt.timedelta(days=days)

    @property
    def manages_anywhere(self) -> bool:
        """Holds the ``manage`` action somewhere (the menu entry for unlocking accounts)."""
        return scope_paths(self, "accounts.manage") != []


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
        return describe(self.actions or [])

    def granted(self) -> set[str]:
        """What the role allows: its module actions, bundles and wildcards expanded against the installed apps
        (decision 0025)."""
        return expand([str(a) for a in self.actions or []])


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


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def for_user(self, user: Any, action: str = "view") -> ApiTokenQuerySet:
        """Tokens are personal: a user lists and revokes their own and nobody else's."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class ApiToken(models.Model):
    """API 令牌. Only the SHA-256 digest of the key is stored (the key is shown once, when created) with its
    first characters to tell tokens apart; a token expires and can be revoked."""

    KEY_BYTES = 20  # 40 hexadecimal characters
    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户"))
    name = models.CharField(_("用途"), max_length=60, blank=True)
    prefix = models.CharField(_("令牌前缀"), max_length=PREFIX_LENGTH)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})" if self.name else f"{self.prefix}…"

    @staticmethod
    def new_key() -> str:
        return secrets.token_hex(ApiToken.KEY_BYTES)

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    def get_status_display(self) -> str:
        return str({"revoked": _("已作废"), "expired": _("已过期"), "active": _("有效")}[self.status])
