"""The audit codes of members (会员) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "members.membership.applied": _("申请入会"),
    "members.membership.approved": _("批准入会"),
    "members.membership.added": _("学会添加会员"),
    "members.membership.rejected": _("不予批准入会"),
    "members.membership.category_changed": _("变更会员类别"),
    "members.membership.dues_paid": _("缴纳会费"),
    "members.membership.withdrawn": _("退会"),
    "members.membership.expelled": _("除名"),
    "members.joinsettings.changed": _("修改入会设置"),
    "members.application.submitted": _("提交入会申请"),
    "members.application.resubmitted": _("重新提交入会申请"),
    "members.application.withdrawn": _("撤回入会申请"),
    "members.application.approved": _("批准入会申请"),
    "members.application.returned": _("退回入会申请"),
    "members.application.rejected": _("不予批准入会申请"),
    "members.groupapplication.submitted": _("提交单位入会申请"),
    "members.groupapplication.resubmitted": _("重新提交单位入会申请"),
    "members.groupapplication.withdrawn": _("撤回单位入会申请"),
    "members.groupapplication.approved": _("批准单位入会申请"),
    "members.groupapplication.returned": _("退回单位入会申请"),
    "members.groupapplication.rejected": _("不予批准单位入会申请"),
    "members.groupmembership.approved": _("批准单位会员入会"),
    "members.dues.recorded": _("登记会费"),
    "members.certificate.issued": _("出具会员证书"),
    "members.certificate.revoked": _("作废会员证书"),
}
