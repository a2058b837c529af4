"""The audit codes of imports (表格导入) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "imports.importbatch.applied": _("导入数据写入"),
    "imports.importbatch.rolled_back": _("撤销导入"),
    "imports.importbatch.retried": _("重新导入"),
    "imports.importbatch.interrupted": _("导入中断"),
    "imports.importbatch.files_removed": _("删除过期的导入文件"),
    "people.person.imported": _("导入人员"),
    "orgs.organisation.imported": _("导入组织"),
    "members.membership.imported": _("导入个人会员"),
    "members.groupmembership.imported": _("导入单位会员"),
}
