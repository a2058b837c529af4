from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import Action, DailyJob, KexieAppConfig, MenuEntry


class CensusConfig(KexieAppConfig):
    name = "kexie.census"
    label = "census"
    url_prefix = "census/"
    actions = (
        Action("census.view", _("查看底数统计"), "view"),
        Action("census.export", _("导出底数统计"), "export"),
    )
    verbose_name = _("科技工作者底数")
    menu = (MenuEntry(pgettext_lazy("navigation", "底数统计"), "census:page", order=50, action="census.view"),)
    daily_jobs = (DailyJob("kexie.census.tasks.refresh_census_task", order=30,
                           line=_("底数汇总已更新：{people} 人，{rows} 行。")),)
