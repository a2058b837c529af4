from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import (
    Action,
    ApiRoute,
    DailyJob,
    ExportKind,
    Figure,
    ImportKind,
    KexieAppConfig,
    MenuEntry,
    NoticeKind,
)


class MembersConfig(KexieAppConfig):
    name = "kexie.members"
    label = "members"
    url_prefix = "members/"
    desk = ("kexie.members.desk.todos",)  # the to-do desk of the home page (decision 0041)
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
    menu = (
        MenuEntry(pgettext_lazy("navigation", "会员"), "members:list", order=30, action="members.view"),
        MenuEntry(pgettext_lazy("navigation", "入会审批"), "members:queue", order=31, action="members.change"),
    )
    daily_jobs = (
        DailyJob("kexie.members.tasks.refresh_people_counts_task", order=10),  # safety net, prints nothing
        DailyJob("kexie.members.tasks.refresh_membership_statuses", order=20, report="kexie.members.apps.statuses_line"),
        DailyJob("kexie.members.joining.tasks.joining_deadlines_task", order=21,
                 line=_("入会申请：临期提醒 {reminded} 件，逾期上报 {escalated} 件。")),
        DailyJob("kexie.members.joining.tasks.dues_renewal_task", order=22, line=_("会费续缴提醒 {reminded} 条。")),
    )
    # Keys: "members-application-" to the society's staff (new, resubmitted, near the deadline), the longer
    # "members-application-overdue-" also to the organisation above; "members-result-" and "members-dues-" to the
    # applicant or member.
    notices = (
        NoticeKind("members-application-", _("入会申请待审批"), _("有人申请加入本学会、需要审批或临近审批期限时通知。")),
        NoticeKind("members-application-overdue-", _("入会申请逾期"),
                   _("入会申请超过审批期限仍未办理时，通知学会和上级组织。")),
        NoticeKind("members-result-", _("入会申请结果"), _("您的入会申请被批准、退回修改或不予批准时通知。"),
                   audience="people"),
        NoticeKind("members-dues-", _("会费续缴提醒"), _("会费将在 30 天内到期时提醒。"), audience="people"),
    )
    api_routes = (ApiRoute("memberships", "kexie.api.views.MembershipViewSet", "membership"),)
    # The memberships import registers the people it does not find: it changes the census too.
    import_kinds = (
        ImportKind("memberships", _("个人会员"), "kexie.imports.kinds.members.MEMBERSHIPS",
                   "kexie.imports.kinds.members.MembershipsImporter", "members.change", order=30, census=True),
        ImportKind("groups", _("单位会员"), "kexie.imports.kinds.members.GROUPS",
                   "kexie.imports.kinds.members.GroupsImporter", "members.change", order=40),
    )
    export_kinds = (ExportKind("memberships", _("个人会员"), "kexie.exports.kinds.members.rows", "members.export"),)


def statuses_line(counts: dict[str, int]) -> str:
    from django.utils.translation import gettext

    from kexie.core.text import join_list

    return gettext("会员状态已刷新：") + join_list(f"{k} {v}" for k, v in counts.items())
