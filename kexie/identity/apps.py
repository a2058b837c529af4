from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import Action, KexieAppConfig, MenuEntry


class IdentityConfig(KexieAppConfig):
    name = "kexie.identity"
    label = "identity"
    url_prefix = "identity/"
    actions = (
        Action("identity.view", _("查看疑似重复"), "view"),
        Action("identity.change", _("合并与区分重复人员"), "change"),
        Action("identity.export", _("导出疑似重复"), "export"),
    )
    verbose_name = _("身份识别与合并")
    default_auto_field = "django.db.models.BigAutoField"
    menu = (MenuEntry(pgettext_lazy("navigation", "查重合并"), "identity:queue", order=60, action="identity.view"),)
