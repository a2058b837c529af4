from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import (
    Action,
    ApiRoute,
    ExportKind,
    Figure,
    ImportKind,
    KexieAppConfig,
    MenuEntry,
    NoticeKind,
)


class OrgsConfig(KexieAppConfig):
    name = "kexie.orgs"
    label = "orgs"
    url_prefix = "orgs/"
    desk = ("kexie.orgs.desk.todos",)  # the to-do desk of the home page (decision 0041)
    actions = (
        Action("orgs.view", _("查看组织"), "view"),
        Action("orgs.change", _("编辑组织"), "change"),
        Action("orgs.export", _("导出组织"), "export"),
    )
    verbose_name = _("组织")
    figures = (
        Figure("branches", _("分支机构数（登记）"), _("个"), "kexie.orgs.figures.branches"),
        Figure("subordinate_orgs", _("直属下级组织数（登记）"), _("个"), "kexie.orgs.figures.subordinate_orgs"),
        Figure("township_associations", _("乡镇（街道）科协数（登记）"), _("个"), "kexie.orgs.figures.township_associations"),
        Figure("agri_associations", _("农技协数（登记）"), _("个"), "kexie.orgs.figures.agri_associations"),
        Figure("enterprise_associations", _("企业科协数（登记）"), _("个"), "kexie.orgs.figures.enterprise_associations"),
        Figure("university_associations", _("高校科协数（登记）"), _("个"), "kexie.orgs.figures.university_associations"),
        Figure("people_registered", _("登记科技工作者数（含下级）"), _("人"), "kexie.orgs.figures.people_registered"),
    )
    menu = (MenuEntry(pgettext_lazy("navigation", "组织"), "orgs:tree", order=10, action="orgs.view"),
            MenuEntry(_("科协组建"), "orgs:founding-queue", order=11, action="orgs.change"))
    notices = (
        NoticeKind("orgs-founding-new-", _("科协组建申请待审批"), _("有企业或园区申请在本组织下组建科协时通知。")),
        NoticeKind("orgs-founding-result-", _("科协组建申请结果"), _("您的科协组建申请被批准、退回修改或不予批准时通知。"),
                   audience="people"),
    )
    api_routes = (ApiRoute("orgs", "kexie.api.views.OrganisationViewSet", "org"),)
    import_kinds = (ImportKind("orgs", _("组织"), "kexie.imports.kinds.orgs.ORGS", "kexie.imports.kinds.orgs.OrgsImporter",
                               "orgs.change", order=10, census=True),)
    export_kinds = (ExportKind("orgs", _("组织列表"), "kexie.exports.kinds.orgs.rows", "orgs.export", sheet=_("组织")),)
