"""The audit codes of individual accounts (个人账号) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "signup.user.registered": _("个人自行注册账号"),
    "signup.person.claimed": _("本人认领登记档案"),
    "signup.person.self_registered": _("本人实名认证并新建档案"),
    "signup.person.public_profile": _("本人变更公开专家信息的同意"),
    "signup.claim.requested": _("提交档案认领申请"),
    "signup.claim.approved": _("确认档案认领"),
    "signup.claim.rejected": _("不予确认档案认领"),
    "signup.claim.cancelled": _("撤销档案认领申请"),
    "signup.consent.granted": _("同意个人信息处理用途"),
    "signup.consent.withdrawn": _("撤回个人信息处理同意"),
    "signup.deletion.requested": _("申请注销账号"),
    "signup.deletion.cancelled": _("撤销注销账号申请"),
    "signup.deletion.done": _("注销账号并删除个人信息"),
}
