"""The audit codes of members (会员) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "members.membership.applied": _("申请入会"),
    "members.membership.approved": _("批准入会"),
    "members.membership.rejected": _("不予批准入会"),
    "members.membership.category_changed": _("变更会员类别"),
    "members.membership.dues_paid": _("缴纳会费"),
    "members.membership.withdrawn": _("退会"),
    "members.membership.expelled": _("除名"),
}
