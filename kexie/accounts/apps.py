from django.utils.translation import gettext_lazy as _

from kexie.core.registry import Action, KexieAppConfig


class AccountsConfig(KexieAppConfig):
    name = "kexie.accounts"
    label = "accounts"
    url_prefix = "accounts/"
    actions = (
        Action("accounts.manage", _("管理用户与角色"), "manage"),
    )
    verbose_name = _("用户与角色")

    def ready(self) -> None:
        from kexie.accounts import signals  # noqa: F401  (connects the receivers)
