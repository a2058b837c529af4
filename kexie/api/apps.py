from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kexie.api"
    label = "kexie_api"
    verbose_name = "API"
