"""The audit codes of background exports (导出) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "exports.exportjob.done": _("后台导出完成"),
    "exports.exportjob.downloaded": _("下载导出文件"),
}
