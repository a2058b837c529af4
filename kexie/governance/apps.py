from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "kexie.governance"
    label = "governance"
    verbose_name = _("换届与治理合规")
