"""The audit codes of 数字科普 and what they mean, shown in history instead of the raw code (collected by
``kexie.core.audit.audit_codes``). Each area appends its own codes."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    # content (kexie/kepu/content)
    "kepu.item.created": _("撰写科普作品"),
    "kepu.item.edited": _("修改科普作品"),
    "kepu.item.adopted": _("采用中央厨房作品"),
    "kepu.item.unadopted": _("取消采用中央厨房作品"),
    "kepu.item.republished": _("转载中央厨房作品为草稿"),
    "kepu.media.added": _("上传科普作品文件"),
    "kepu.media.removed": _("删除科普作品文件"),
    # review (kexie/kepu/review)
    "kepu.item.submitted": _("提交科普作品审核"),
    "kepu.item.withdrawn": _("撤回科普作品审核"),
    "kepu.task.decided": _("科普专家审核结论"),
    "kepu.item.science_passed": _("科普作品通过科学性审核"),
    "kepu.item.returned": _("退回科普作品修改"),
    "kepu.item.approved": _("科普作品通过编辑审核"),
    "kepu.item.published": _("发布科普作品"),
    "kepu.item.retracted": _("撤回已发布的科普作品（撤稿）"),
    "kepu.item.reopened": _("撤稿作品重新修改"),
    "kepu.review.escalated": _("科普审核逾期督办"),
    # debunks (kexie/kepu/debunks)
    "kepu.debunk.created": _("撰写科学辟谣"),
    "kepu.debunk.edited": _("修改科学辟谣"),
    "kepu.debunk.published": _("发布科学辟谣"),
    "kepu.debunk.retracted": _("撤回科学辟谣"),
    "kepu.debunk.reopened": _("撤回的科学辟谣重新修改"),
    # emergency (kexie/kepu/emergency)
    "kepu.incident.created": _("登记应急事件"),
    "kepu.incident.edited": _("修改应急事件"),
    "kepu.incident.closed": _("结束应急事件响应"),
    "kepu.item.fast_published": _("应急快速发布科普作品"),
    "kepu.item.after_review_escalated": _("应急科普事后审核逾期督办"),
    # officers and screens (kexie/kepu/officers, kexie/kepu/screens)
    "kepu.officer.registered": _("注册科普信息员"),
    "kepu.officer.deactivated": _("停用科普信息员"),
    "kepu.officer.activated": _("恢复科普信息员"),
    "kepu.point_rule.changed": _("修改信息员积分规则"),
    "kepu.screen.created": _("登记科普大屏"),
    "kepu.screen.edited": _("修改科普大屏"),
    "kepu.screen.key_issued": _("生成科普大屏新密钥"),
}
