from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kexie.reports"
    label = "reports"
    verbose_name = "数据填报"
