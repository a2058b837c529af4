"""The audit codes of evaluation (综合能力评价) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "evaluation.system.created": _("创建评价体系"),
    "evaluation.run.queued": _("开始评价（后台排队）"),
    "evaluation.run.created": _("运行评价"),
    "evaluation.run.failed": _("评价失败"),
    "evaluation.expertscore.created": _("录入专家评分"),
    "evaluation.expertscore.changed": _("修改专家评分"),
    "evaluation.followup.created": _("记录评价后续处理"),
}
