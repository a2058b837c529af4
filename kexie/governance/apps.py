from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import Action, DailyJob, KexieAppConfig, MenuEntry, NoticeKind


class GovernanceConfig(KexieAppConfig):
    name = "kexie.governance"
    label = "governance"
    url_prefix = "governance/"
    desk = ("kexie.governance.desk.todos",)  # the to-do desk of the home page (decision 0041)
    actions = (
        Action("governance.view", _("查看换届与治理"), "view"),
        Action("governance.change", _("设置合规规则"), "change"),
        Action("governance.export", _("导出换届与治理"), "export"),
    )
    verbose_name = _("换届与治理合规")
    menu = (MenuEntry(pgettext_lazy("navigation", "换届与治理"), "governance:overview", order=110, action="governance.view"),)
    daily_jobs = (DailyJob("kexie.governance.tasks.term_reminders_task", order=40,
                           line=_("换届提醒：{terms} 个届次，新发通知 {notices} 条。")),)
    notices = (NoticeKind("governance.term:", _("换届提醒"),
                          _("领导机构届满前 180、90、30 天和超期未换届时提醒所在组织的工作人员。")),)
