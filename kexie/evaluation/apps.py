from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import KexieAppConfig, MenuEntry


class EvaluationConfig(KexieAppConfig):
    name = "kexie.evaluation"
    label = "evaluation"
    verbose_name = _("综合能力评价")
    menu = (MenuEntry(pgettext_lazy("navigation", "综合评价"), "evaluation:list", order=100, action="view"),)
