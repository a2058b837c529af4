"""The audit codes of people (科技工作者) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "people.person.created": _("新增人员"),
    "people.person.changed": _("修改人员信息"),
    "people.person.deleted": _("删除人员"),
    "people.person.restored": _("恢复人员"),
}
