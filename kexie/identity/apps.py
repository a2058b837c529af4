from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "kexie.identity"
    label = "identity"
    verbose_name = _("身份识别与合并")
    default_auto_field = "django.db.models.BigAutoField"
