"""The audit codes of reports (数据填报) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "reports.form.created": _("创建报表"),
    "reports.form.changed": _("修改报表"),
    "reports.version.created": _("新建报表版本"),
    "reports.version.changed": _("修改报表版本内容"),
    "reports.version.published": _("发布报表版本"),
    "reports.campaign.created": _("创建填报任务"),
    "reports.campaign.changed": _("修改填报任务"),
    "reports.submission.prefilled": _("开始填报（预填数据）"),
    "reports.submission.saved": _("保存填报草稿"),
    "reports.submission.submitted": _("提交填报"),
    "reports.submission.withdrawn": _("撤回填报"),
    "reports.submission.accepted": _("审核通过填报"),
    "reports.submission.returned": _("退回填报"),
}
