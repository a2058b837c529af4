"""The audit codes of governance (换届与治理合规) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "governance.rule.changed": _("修改合规规则"),
}
