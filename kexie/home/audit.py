"""The audit codes of the person's own pages (我的) and what they mean (collected by
``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "home.profile.changed": _("本人修改个人资料"),
    "home.change.requested": _("申请修改核验资料"),
    "home.change.approved": _("通过资料变更申请"),
    "home.change.rejected": _("驳回资料变更申请"),
    "home.change.withdrawn": _("撤回资料变更申请"),
}
