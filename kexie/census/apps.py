from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import DailyJob, KexieAppConfig, MenuEntry


class CensusConfig(KexieAppConfig):
    name = "kexie.census"
    label = "census"
    verbose_name = _("科技工作者底数")
    menu = (MenuEntry(pgettext_lazy("navigation", "底数统计"), "census:page", order=50, action="view"),)
    daily_jobs = (DailyJob("kexie.census.tasks.refresh_census_task", order=30,
                           line=_("底数汇总已更新：{people} 人，{rows} 行。")),)
