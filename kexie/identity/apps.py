from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import KexieAppConfig, MenuEntry


class IdentityConfig(KexieAppConfig):
    name = "kexie.identity"
    label = "identity"
    verbose_name = _("身份识别与合并")
    default_auto_field = "django.db.models.BigAutoField"
    menu = (MenuEntry(pgettext_lazy("navigation", "查重合并"), "identity:queue", order=60, action="view"),)
