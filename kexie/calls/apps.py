from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import Action, ApiRoute, DailyJob, KexieAppConfig, MenuEntry


class CallsConfig(KexieAppConfig):
    name = "kexie.calls"
    label = "calls"
    url_prefix = "calls/"
    actions = (
        Action("calls.view", _("查看申报评审"), "view"),
        Action("calls.change", _("设置与办理申报评审"), "change"),
        Action("calls.export", _("导出申报评审"), "export"),
    )
    verbose_name = _("申报评审")
    # Scientists apply here: every signed-in user.
    menu = (MenuEntry(pgettext_lazy("navigation", "申报评审"), "calls:list", order=80),)
    daily_jobs = (
        DailyJob("kexie.calls.tasks.remind_reviewers_task", order=60,
                 line=_("评审提醒：{calls} 个批次，新发通知 {notices} 条。")),
        DailyJob("kexie.calls.tasks.remind_project_reports_task", order=70, line=_("课题报告提醒：新发通知 {notices} 条。")),
    )
    api_routes = (
        ApiRoute("calls", "kexie.api.calls.CallViewSet", "call"),
        ApiRoute("call-applications", "kexie.api.calls.ApplicationViewSet", "call-application"),
        ApiRoute("projects", "kexie.api.calls.ProjectViewSet", "project"),
    )
