from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import KexieAppConfig, MenuEntry, NoticeKind


class HomeConfig(KexieAppConfig):
    """The signed-in user's own pages: the home page, 我的 and profile change requests. They read organisations and
    people, so they live here and not in ``kexie.core``, which imports no domain app (decision 0020)."""

    name = "kexie.home"
    label = "home"
    url_prefix = ""
    desk = ("kexie.home.todos.todos",)  # the to-do desk of the home page (decision 0041)
    verbose_name = _("首页")
    menu = (
        # Staff: the verified-field change requests of the people their organisations hold (decision 0029).
        MenuEntry(pgettext_lazy("navigation", "资料变更"), "profile-changes", order=25, action="people.change"),
        MenuEntry(pgettext_lazy("navigation", "我的"), "me", order=130, element_id="me-link"),
    )
    notices = (
        NoticeKind("home.", _("资料变更审核结果"), _("您申请修改的姓名、单位、手机号等资料通过或被驳回时通知。"),
                   audience="people"),
        NoticeKind("home.change-arrived.", _("新的资料变更申请"),
                   _("本组织的科技工作者申请修改姓名、单位、手机号等核验资料、等待审核时通知。"), audience="staff"),
    )
