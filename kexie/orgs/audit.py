"""The audit codes of orgs (组织) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "orgs.organisation.created": _("新建组织"),
    "orgs.organisation.changed": _("修改组织信息"),
    "orgs.organisation.moved": _("调整上级组织"),
    "orgs.organisation.deleted": _("删除组织"),
    "orgs.organisation.restored": _("恢复组织"),
    "orgs.formation.submitted": _("提交科协组建申请"),
    "orgs.formation.resubmitted": _("重新提交科协组建申请"),
    "orgs.formation.withdrawn": _("撤回科协组建申请"),
    "orgs.formation.approved": _("批准科协组建"),
    "orgs.formation.returned": _("退回科协组建申请"),
    "orgs.formation.rejected": _("不予批准科协组建"),
}
