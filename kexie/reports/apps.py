from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import DailyJob, KexieAppConfig, MenuEntry


class ReportsConfig(KexieAppConfig):
    name = "kexie.reports"
    label = "reports"
    verbose_name = _("数据填报")
    menu = (MenuEntry(pgettext_lazy("navigation", "数据填报"), "reports:list", order=70, action="view"),)
    daily_jobs = (DailyJob("kexie.reports.tasks.send_report_reminders", order=50,
                           report="kexie.reports.apps.reminders_line"),)


def reminders_line(sent: dict[str, int]) -> str:
    from django.utils.translation import gettext

    from kexie.core.text import join_list

    return gettext("填报提醒：") + join_list(f"{k} {v}" for k, v in sent.items())
