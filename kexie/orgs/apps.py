from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "kexie.orgs"
    label = "orgs"
    verbose_name = "组织"
