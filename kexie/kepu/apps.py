from django.utils.translation import gettext_lazy as _

from kexie.core.registry import Action, DailyJob, Figure, KexieAppConfig, MenuEntry, NoticeKind, PortalBlock


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
    # One 数字科普 entry for staff: its pages link each other ({% kepu_staff_nav %}); 科普审核 for the experts.
    menu = (
        MenuEntry(_("科普"), "kepu:mine", order=15, check="kexie.kepu.public.menu.reader", element_id="menu-kepu"),
        MenuEntry(_("数字科普"), "kepu:manage", order=92, action="kepu.view"),
        MenuEntry(_("科普审核"), "kepu:reviews", order=93, check="kexie.kepu.review.menu.reviewer"),
        MenuEntry(_("科普信息员"), "kepu:officer-me", order=95, check="kexie.kepu.officers.menu.individual"),
    )
    portal_blocks = (PortalBlock("kepu", _("数字科普"), "kepu/public/_block.html", "kexie.kepu.public.blocks.latest",
                                 order=20),)
    daily_jobs = (
        DailyJob("kexie.kepu.review.tasks.sweep_task", order=98,
                 line=_("科普审核：临期提醒 {reminded} 条，逾期督办 {escalated} 件，定时发布 {published} 件。")),
        DailyJob("kexie.kepu.screens.tasks.silent_screens_task", order=101,
                 line=_("科普大屏离线提醒：离线大屏 {screens} 块，新发通知 {notices} 条。")),
        DailyJob("kexie.kepu.emergency.tasks.after_review_sweep_task", order=99,
                 line=_("应急科普事后审核：临期提醒 {reminded} 件，逾期督办 {escalated} 件。")),
        DailyJob("kexie.kepu.effect.tasks.flush_views_task", order=96, line=_("科普阅读记录：写入 {views} 条。")),
        DailyJob("kexie.kepu.hot.tasks.roll_up_terms_task", order=97,
                 line=_("科普热词汇总：检索词 {search} 个，阅读专题 {read} 个。")),
    )
    figures = (
        Figure("kepu_items", _("发布科普作品数（上年度）"), _("篇"), "kexie.kepu.figures.kepu_items"),
        Figure("kepu_reviewed", _("完成科普审核轮次（上年度）"), _("轮"), "kexie.kepu.figures.kepu_reviewed"),
        Figure("kepu_reads", _("科普作品阅读量（上年度）"), _("次"), "kexie.kepu.figures.kepu_reads"),
        Figure("kepu_debunks", _("发布科学辟谣数（上年度）"), _("条"), "kexie.kepu.figures.kepu_debunks"),
    )
    desk = ("kexie.kepu.desk.todos",)
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
