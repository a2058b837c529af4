from kexie.core.registry import KexieAppConfig


class ApiConfig(KexieAppConfig):
    name = "kexie.api"
    label = "kexie_api"
    url_prefix = "api/v1/"
    verbose_name = "API"
