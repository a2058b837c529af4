from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import Action, ApiRoute, DailyJob, Figure, KexieAppConfig, MenuEntry


class InnovationConfig(KexieAppConfig):
    name = "kexie.innovation"
    label = "innovation"
    url_prefix = "innovation/"
    actions = (
        Action("innovation.view", _("查看数字科创"), "view"),
        Action("innovation.change", _("办理数字科创"), "change"),
        Action("innovation.export", _("导出数字科创"), "export"),
    )
    verbose_name = _("数字科创")
    # Enterprise users post needs here: every signed-in user.
    figures = (
        Figure("stations", _("工作站数（登记，上年度）"), _("个"), "kexie.innovation.figures.stations"),
        Figure("station_projects", _("工作站合作项目数（上年度）"), _("项"), "kexie.innovation.figures.station_projects"),
        Figure("station_patents", _("工作站专利数（上年度）"), _("件"), "kexie.innovation.figures.station_patents"),
        Figure("station_trained", _("工作站培养人才数（上年度）"), _("人"), "kexie.innovation.figures.station_trained"),
        Figure("station_revenue", _("工作站新增产值（上年度）"), _("万元"), "kexie.innovation.figures.station_revenue"),
    )
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
