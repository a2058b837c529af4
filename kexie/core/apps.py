from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kexie.core"
    label = "core"
    verbose_name = "核心"
