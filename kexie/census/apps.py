from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CensusConfig(AppConfig):
    name = "kexie.census"
    label = "census"
    verbose_name = _("科技工作者底数")
