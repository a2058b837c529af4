from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "kexie.people"
    label = "people"
    verbose_name = _("科技工作者")
