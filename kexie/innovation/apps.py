from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import ApiRoute, DailyJob, KexieAppConfig, MenuEntry


class InnovationConfig(KexieAppConfig):
    name = "kexie.innovation"
    label = "innovation"
    verbose_name = _("数字科创")
    # Enterprise users post needs here: every signed-in user.
    menu = (MenuEntry(pgettext_lazy("navigation", "数字科创"), "innovation:needs", order=90),)
    daily_jobs = (
        DailyJob("kexie.innovation.tasks.escalate_dispatches_task", order=80,
                 line=_("派单督办：提醒 {reminded} 单，上报督办 {escalated} 单。")),
        DailyJob("kexie.innovation.tasks.refresh_stations_task", order=90,
                 line=_("工作站：协议到期 {expired} 个，恢复运行 {reactivated} 个。")),
        DailyJob("kexie.innovation.tasks.rebuild_match_index_task", order=100, line=_("专家匹配索引已重建：{people} 人。")),
    )
    api_routes = (
        ApiRoute("needs", "kexie.api.innovation.NeedViewSet", "need"),
        ApiRoute("service-records", "kexie.api.innovation.ServiceRecordViewSet", "service-record"),
    )
