from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import Action, KexieAppConfig, MenuEntry


class EvaluationConfig(KexieAppConfig):
    name = "kexie.evaluation"
    label = "evaluation"
    url_prefix = "evaluation/"
    actions = (
        Action("evaluation.view", _("查看评价结果"), "view"),
        Action("evaluation.change", _("开展评价与跟进"), "change"),
        Action("evaluation.export", _("导出评价结果"), "export"),
        Action("evaluation.manage", _("管理指标体系"), "manage"),
    )
    verbose_name = _("综合能力评价")
    menu = (MenuEntry(pgettext_lazy("navigation", "综合评价"), "evaluation:list", order=100, action="evaluation.view"),)
