from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "kexie.evaluation"
    label = "evaluation"
    verbose_name = "综合能力评价"
