"""The audit codes of identity (人员查重与合并) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "identity.person.merged": _("合并重复人员（保留）"),
    "identity.person.merged_into": _("合并重复人员（并入他人）"),
    "identity.merge.undone": _("撤销合并"),
    "identity.candidate.distinct": _("标记为不同人员"),
}
