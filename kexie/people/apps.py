from django.utils.translation import gettext_lazy as _

from kexie.core.registry import Action, ApiRoute, ExportKind, ImportKind, KexieAppConfig, MenuEntry


class PeopleConfig(KexieAppConfig):
    name = "kexie.people"
    label = "people"
    url_prefix = "people/"
    actions = (
        Action("people.view", _("查看科技工作者"), "view"),
        Action("people.change", _("编辑科技工作者"), "change"),
        Action("people.export", _("导出科技工作者"), "export"),
        Action("people.pii", _("查看完整个人信息"), "view_pii"),
    )
    verbose_name = _("科技工作者")
    menu = (MenuEntry(_("科技工作者"), "people:list", order=20, action="people.view"),)
    api_routes = (ApiRoute("people", "kexie.api.views.PersonViewSet", "person"),)
    import_kinds = (ImportKind("people", _("科技工作者"), "kexie.imports.kinds.people.PEOPLE",
                               "kexie.imports.kinds.people.PeopleImporter", "people.change", order=20, census=True),)
    export_kinds = (ExportKind("people", _("科技工作者"), "kexie.exports.kinds.people.rows", "people.export"),)
