from kexie.core.registry import KexieAppConfig


class ApiConfig(KexieAppConfig):
    name = "kexie.api"
    label = "kexie_api"
    verbose_name = "API"
