from django.utils.translation import gettext_lazy as _

from kexie.core.registry import Action, KexieAppConfig, NoticeKind


class KepuConfig(KexieAppConfig):
    """数字科普 (SPEC §3.6): reviewed content, debunks, emergency science, retraction, public pages and feeds,
    screens, precise push, effect and hot topics, information officers. Each area is a sub-package (content,
    review, emergency, public, debunks, effect, officers, screens) with its services, forms, views and urls."""

    name = "kexie.kepu"
    label = "kepu"
    url_prefix = "kepu/"
    verbose_name = _("数字科普")
    actions = (
        Action("kepu.view", _("查看数字科普"), "view"),
        Action("kepu.change", _("撰写和修改科普作品、辟谣"), "change"),
        Action("kepu.publish", _("编辑审核、发布和撤稿"), "manage"),
        Action("kepu.emergency", _("登记应急事件、应急快速发布"), "manage"),
        Action("kepu.screens", _("管理科普大屏"), "change"),
        Action("kepu.export", _("导出科普传播效果"), "export"),
    )
    # Keys: the longest declared prefix is a key's kind. Staff kinds go to role holders; "people" kinds to
    # authors, reviewing experts, information officers and subscribers.
    notices = (
        NoticeKind("kepu-editorial-", _("科普作品待编辑审核"), _("作品通过科学性审核、等待编辑审核和发布时通知。")),
        NoticeKind("kepu-overdue-", _("科普审核督办"), _("科普审核环节超过期限仍未完成时上报督办。")),
        NoticeKind("kepu-after-review-", _("应急科普事后审核"), _("应急快速发布的作品事后审核逾期时上报督办。")),
        NoticeKind("kepu-screen-silent-", _("科普大屏离线"), _("科普大屏超过一天没有心跳时通知管理单位。")),
        NoticeKind("kepu-review-task-", _("科普审核任务"), _("有科普作品请您进行科学性审核时通知。"), audience="people"),
        NoticeKind("kepu-review-due-", _("科普审核即将到期"), _("您的科普审核任务临近期限时提醒。"), audience="people"),
        NoticeKind("kepu-returned-", _("科普作品退回修改"), _("作品被退回修改时通知作者和此前各环节的审核人，附退回理由。"),
                   audience="people"),
        NoticeKind("kepu-published-", _("科普作品已发布"), _("您撰写的作品发布时通知。"), audience="people"),
        NoticeKind("kepu-retracted-", _("科普作品撤稿"), _("您撰写或审核的作品被撤稿时通知，附更正说明。"), audience="people"),
        NoticeKind("kepu-new-", _("订阅的科普内容"), _("您订阅的专题、人群或地区有新的科普作品发布时通知。"),
                   email_default=False, audience="people"),
    )

    def ready(self) -> None:
        from kexie.kepu import receivers  # noqa: F401 - connects the publish/retract receivers
