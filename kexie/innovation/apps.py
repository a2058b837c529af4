from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import Action, ApiRoute, DailyJob, Figure, KexieAppConfig, MenuEntry, NoticeKind


class InnovationConfig(KexieAppConfig):
    name = "kexie.innovation"
    label = "innovation"
    url_prefix = "innovation/"
    desk = ("kexie.innovation.desk.todos",)  # the to-do desk of the home page (decision 0041)
    actions = (
        Action("innovation.view", _("查看数字科创"), "view"),
        Action("innovation.change", _("办理数字科创"), "change"),
        Action("innovation.export", _("导出数字科创"), "export"),
    )
    verbose_name = _("数字科创")
    # Enterprise users post needs here: every signed-in user.
    figures = (
        Figure("stations", _("工作站数（登记，上年度）"), _("个"), "kexie.innovation.figures.stations"),
        Figure("station_projects", _("工作站合作项目数（上年度）"), _("项"), "kexie.innovation.figures.station_projects"),
        Figure("station_patents", _("工作站专利数（上年度）"), _("件"), "kexie.innovation.figures.station_patents"),
        Figure("station_trained", _("工作站培养人才数（上年度）"), _("人"), "kexie.innovation.figures.station_trained"),
        Figure("station_revenue", _("工作站新增产值（上年度）"), _("万元"), "kexie.innovation.figures.station_revenue"),
    )
    # An enterprise's own users land on their home (企业之家); everyone else on the needs list.
    menu = (
        MenuEntry(pgettext_lazy("navigation", "数字科创"), "innovation:my-enterprise", order=90,
                  check="kexie.innovation.home.menu.enterprise_home"),
        MenuEntry(pgettext_lazy("navigation", "数字科创"), "innovation:needs", order=90,
                  check="kexie.innovation.home.menu.not_enterprise_home"),
    )
    daily_jobs = (
        DailyJob("kexie.innovation.tasks.escalate_dispatches_task", order=80,
                 line=_("派单督办：提醒 {reminded} 单，上报督办 {escalated} 单。")),
        DailyJob("kexie.innovation.tasks.refresh_stations_task", order=90,
                 line=_("工作站：协议到期 {expired} 个，恢复运行 {reactivated} 个。")),
        DailyJob("kexie.innovation.tasks.rebuild_match_index_task", order=100, line=_("专家匹配索引已重建：{people} 人。")),
    )
    api_routes = (
        ApiRoute("needs", "kexie.api.innovation.NeedViewSet", "need"),
        ApiRoute("service-records", "kexie.api.innovation.ServiceRecordViewSet", "service-record"),
    )
    # Keys share beginnings ("innovation-intro-" for staff, "innovation-intro-answer-" for the enterprise): the
    # longest declared prefix is a key's kind. Staff kinds go to the 科协 staff who handle them; "people" kinds
    # to enterprise users and experts (and, for some, the staff member who brokered the contact).
    notices = (
        NoticeKind("innovation-enterprise-", _("企业注册待核验"), _("有企业在本科协注册、需要核验时通知。")),
        NoticeKind("innovation-need-submitted-", _("技术需求待审核"), _("企业提交技术需求、需要审核时通知。")),
        NoticeKind("innovation-dispatch-", _("科协报到派单"), _("上级科协把技术需求派给本会、请限期答复时通知。")),
        NoticeKind("innovation-answer-", _("派单答复"), _("受派学会响应或婉拒技术需求时通知派单的工作人员。")),
        NoticeKind("innovation-dispatch-request-", _("派单请求待确认"),
                   _("下级科协请求向本会管理的学会派单、需要确认时通知。")),
        NoticeKind("innovation-dispatch-decided-", _("派单请求结果"),
                   _("上级科协同意或不同意本会的派单请求时通知。")),
        NoticeKind("innovation-overdue-", _("派单督办"), _("派单超过答复时限仍未响应时提醒，逾期更久时上报上级科协。")),
        NoticeKind("innovation-enquiry-", _("对接意向"), _("有人对成果或需求提交对接意向时通知。")),
        NoticeKind("innovation-intro-", _("专家引荐申请"), _("企业申请引荐专家（点厨）、需要联系专家时通知。")),
        NoticeKind("innovation-challenge-app-", _("揭榜申请"), _("有团队揭榜、需要遴选时通知发榜单位。")),
        NoticeKind("innovation-milestone-", _("里程碑待验收"), _("揭榜团队提交里程碑完成情况、需要验收时通知。")),
        NoticeKind("innovation-enterprise-verdict-", _("企业核验结果"), _("您的企业通过或未通过核验时通知。"),
                   audience="people"),
        NoticeKind("innovation-need-", _("技术需求进展"), _("您企业的技术需求审核、发布或有学会响应时通知。"),
                   audience="people"),
        NoticeKind("innovation-done-", _("服务完成待评价"), _("学会完成对您企业需求的服务、请您评价时通知。"),
                   audience="people"),
        NoticeKind("innovation-intro-brokered-", _("专家引荐对接"), _("科协为企业和专家牵线后，通知专家和企业。"),
                   audience="people"),
        NoticeKind("innovation-intro-answer-", _("专家引荐答复"), _("专家同意或婉拒对接时通知企业和牵线的工作人员。"),
                   audience="people"),
        NoticeKind("innovation-intro-cancelled-", _("专家引荐取消"), _("专家引荐被取消时通知企业和专家。"),
                   audience="people"),
        NoticeKind("innovation-intro-done-", _("引荐服务完成"), _("企业确认专家服务完成时通知专家和牵线的工作人员。"),
                   audience="people"),
        NoticeKind("innovation-challenge-cancelled-", _("撤榜通知"), _("您揭榜的榜单被撤榜时通知。"), audience="people"),
        NoticeKind("innovation-challenge-result-", _("揭榜结果"), _("榜单确定揭榜团队时通知每个申请团队的负责人。"),
                   audience="people"),
        NoticeKind("innovation-milestone-verdict-", _("里程碑验收结果"), _("发榜单位验收您提交的里程碑后通知。"),
                   audience="people"),
    )
