from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "kexie.imports"
    label = "imports"
    verbose_name = _("数据导入")
