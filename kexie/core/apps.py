from django.utils.translation import gettext_lazy as _

from kexie.core.registry import KexieAppConfig


class CoreConfig(KexieAppConfig):
    name = "kexie.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from kexie.core import checks, search  # noqa: F401 - deployment checks, the __tokens lookup
