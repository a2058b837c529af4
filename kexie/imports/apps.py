from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import Action, DailyJob, KexieAppConfig, MenuEntry


class ImportsConfig(KexieAppConfig):
    name = "kexie.imports"
    label = "imports"
    url_prefix = "imports/"
    desk = ("kexie.imports.desk.todos",)  # the to-do desk of the home page (decision 0041)
    actions = (
        Action("imports.view", _("查看导入记录"), "view"),
        Action("imports.change", _("导入数据与回滚"), "change"),
    )
    verbose_name = _("数据导入")
    menu = (MenuEntry(pgettext_lazy("navigation", "数据导入"), "imports:list", order=40, action="imports.change"),)
    daily_jobs = (DailyJob("kexie.imports.tasks.import_housekeeping_task", order=110,
                           line=_("数据导入：中断的批次 {interrupted} 个，删除到期文件 {files} 个（{batches} 个批次）。")),)
