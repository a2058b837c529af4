from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import Action, DailyJob, KexieAppConfig, MenuEntry, NoticeKind


class ReportsConfig(KexieAppConfig):
    name = "kexie.reports"
    label = "reports"
    url_prefix = "reports/"
    desk = ("kexie.reports.desk.todos",)  # the to-do desk of the home page (decision 0041)
    actions = (
        Action("reports.view", _("查看填报"), "view"),
        Action("reports.change", _("填报与审核"), "change"),
        Action("reports.export", _("导出填报数据"), "export"),
    )
    verbose_name = _("数据填报")
    menu = (MenuEntry(pgettext_lazy("navigation", "数据填报"), "reports:list", order=70, action="reports.view"),)
    daily_jobs = (DailyJob("kexie.reports.tasks.send_report_reminders", order=50,
                           report="kexie.reports.apps.reminders_line"),)
    notices = (
        NoticeKind("reports:opened:", _("新的填报任务"), _("填报任务开始时通知本单位的填报人员。")),
        NoticeKind("reports:submitted:", _("填报待审核"), _("下级单位提交填报后，提醒负责审核的工作人员。")),
        NoticeKind("reports:review:", _("填报审核结果"), _("本单位提交的填报被退回或审核通过时通知。")),
        NoticeKind("reports:remind:", _("填报催报"), _("填报截止前和逾期未提交时提醒填报单位。")),
    )


def reminders_line(sent: dict[str, int]) -> str:
    from django.utils.translation import gettext

    from kexie.core.text import join_list

    return gettext("填报提醒：") + join_list(f"{k} {v}" for k, v in sent.items())
