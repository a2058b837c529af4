from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "kexie.people"
    label = "people"
    verbose_name = "科技工作者"
