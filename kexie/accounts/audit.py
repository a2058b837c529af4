"""The audit codes of accounts (账号与角色) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "accounts.role.created": _("新建角色"),
    "accounts.role.changed": _("修改角色或授权"),
    "accounts.role.deleted": _("删除角色"),
    "accounts.role.granted": _("授予角色"),
    "accounts.role.revoked": _("收回角色"),
    "accounts.token.created": _("创建 API 令牌"),
    "accounts.token.revoked": _("作废 API 令牌"),
    "accounts.user.created": _("创建账号"),
    "accounts.user.deactivated": _("停用账号"),
    "accounts.user.reactivated": _("启用账号"),
    "accounts.user.unlocked": _("解除账号锁定"),
    "accounts.user.password_changed": _("修改密码"),
    "accounts.user.password_reset": _("重置密码"),
}
