from django.utils.translation import gettext_lazy as _

from kexie.core.registry import DailyJob, KexieAppConfig, MenuEntry, NoticeKind


class ExportsConfig(KexieAppConfig):
    """我的导出: large list exports run as background jobs (decision 0033). The kinds are declared by the apps
    that own the data (``export_kinds``); this app keeps the jobs, their files and their pages."""

    name = "kexie.exports"
    label = "exports"
    url_prefix = "exports/"
    verbose_name = _("导出")
    menu = (MenuEntry(_("我的导出"), "exports:list", order=96, check="kexie.exports.services.can_export"),)
    daily_jobs = (DailyJob("kexie.exports.tasks.export_housekeeping_task", order=112,
                           line=_("导出：删除到期文件 {files} 个，中断的导出 {interrupted} 个。")),)
    notices = (NoticeKind("exports-done-", _("导出完成"), _("后台导出完成或失败时通知导出人。"), email_default=False),)
