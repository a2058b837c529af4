from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import Action, ApiRoute, DailyJob, KexieAppConfig, MenuEntry, NoticeKind


class CallsConfig(KexieAppConfig):
    name = "kexie.calls"
    label = "calls"
    url_prefix = "calls/"
    desk = ("kexie.calls.desk.todos",)  # the to-do desk of the home page (decision 0041)
    actions = (
        Action("calls.view", _("查看申报评审"), "view"),
        Action("calls.change", _("设置与办理申报评审"), "change"),
        Action("calls.export", _("导出申报评审"), "export"),
    )
    verbose_name = _("申报评审")
    # Scientists apply here: every signed-in user.
    menu = (MenuEntry(pgettext_lazy("navigation", "申报评审"), "calls:list", order=80),)
    daily_jobs = (
        DailyJob("kexie.calls.tasks.remind_reviewers_task", order=60,
                 line=_("评审提醒：{calls} 个批次，新发通知 {notices} 条。")),
        DailyJob("kexie.calls.tasks.remind_project_reports_task", order=70, line=_("课题报告提醒：新发通知 {notices} 条。")),
    )
    api_routes = (
        ApiRoute("calls", "kexie.api.calls.CallViewSet", "call"),
        ApiRoute("call-applications", "kexie.api.calls.ApplicationViewSet", "call-application"),
        ApiRoute("projects", "kexie.api.calls.ProjectViewSet", "project"),
    )
    # Applicants, experts and project leaders are individuals: every kind is for everyone.
    notices = (
        NoticeKind("calls-app-", _("申报审查结果"), _("您的申报未获推荐、形式审查不通过或被退回修改时通知。"),
                   audience="people"),
        NoticeKind("calls-open-", _("新的申报批次"),
                   _("有符合您学科和地区（或订阅设置）的申报批次开放申报、或本单位获得推荐名额时通知。"), audience="people"),
        NoticeKind("calls-assigned-", _("评审任务"), _("您被分配为申报批次的评审专家时通知，每个批次一次。"),
                   audience="people"),
        NoticeKind("calls-remind-", _("评审提醒"), _("评审截止前提醒尚未提交评审意见的评审专家。"), audience="people"),
        NoticeKind("calls-result-", _("评审结果"), _("申报批次公布评审结果时通知申报人。"), audience="people"),
        NoticeKind("calls-project-", _("课题立项"), _("您的申报立项后通知课题负责人。"), audience="people"),
        NoticeKind("calls-project-report-", _("课题报告审核结果"), _("中期检查或结题报告通过、退回或不通过时通知。"),
                   audience="people"),
        NoticeKind("calls-project-due-", _("课题报告提醒"), _("中期检查或结题报告临近截止或已逾期时每周提醒一次。"),
                   audience="people"),
    )
