from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "kexie.governance"
    label = "governance"
    verbose_name = "换届与治理合规"
