from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kexie.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from kexie.core import checks, search  # noqa: F401 - deployment checks, the __tokens lookup
