from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import Action, ApiRoute, DailyJob, Figure, ImportKind, KexieAppConfig, MenuEntry


class MembersConfig(KexieAppConfig):
    name = "kexie.members"
    label = "members"
    url_prefix = "members/"
    actions = (
        Action("members.view", _("查看会员与组织机构"), "view"),
        Action("members.change", _("办理会员与换届"), "change"),
        Action("members.export", _("导出会员"), "export"),
    )
    verbose_name = _("会员与组织机构")
    figures = (
        Figure("individual_members", _("个人会员数（登记）"), _("人"), "kexie.members.figures.individual_members"),
        Figure("student_members", _("学生会员数（登记）"), _("人"), "kexie.members.figures.student_members"),
        Figure("senior_members", _("高级会员数（登记）"), _("人"), "kexie.members.figures.senior_members"),
        Figure("fellow_members", _("资深会员数（登记）"), _("人"), "kexie.members.figures.fellow_members"),
        Figure("group_members", _("单位会员数（登记）"), _("个"), "kexie.members.figures.group_members"),
    )
    menu = (MenuEntry(pgettext_lazy("navigation", "会员"), "members:list", order=30, action="members.view"),)
    daily_jobs = (
        DailyJob("kexie.members.tasks.refresh_people_counts_task", order=10),  # safety net, prints nothing
        DailyJob("kexie.members.tasks.refresh_membership_statuses", order=20, report="kexie.members.apps.statuses_line"),
    )
    api_routes = (ApiRoute("memberships", "kexie.api.views.MembershipViewSet", "membership"),)
    # The memberships import registers the people it does not find: it changes the census too.
    import_kinds = (
        ImportKind("memberships", _("个人会员"), "kexie.imports.kinds.members.MEMBERSHIPS",
                   "kexie.imports.kinds.members.MembershipsImporter", "members.change", order=30, census=True),
        ImportKind("groups", _("单位会员"), "kexie.imports.kinds.members.GROUPS",
                   "kexie.imports.kinds.members.GroupsImporter", "members.change", order=40),
    )


def statuses_line(counts: dict[str, int]) -> str:
    from django.utils.translation import gettext

    from kexie.core.text import join_list

    return gettext("会员状态已刷新：") + join_list(f"{k} {v}" for k, v in counts.items())
