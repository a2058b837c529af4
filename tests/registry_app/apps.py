from django.utils.translation import gettext_lazy as _

from kexie.core.registry import (
    Action,
    ApiRoute,
    DailyJob,
    Figure,
    ImportKind,
    KexieAppConfig,
    MenuEntry,
    NoticeKind,
    PortalBlock,
)


class RegistryAppConfig(KexieAppConfig):
    name = "tests.registry_app"
    label = "registry_app"
    verbose_name = _("试验台账")
    url_prefix = "registry-app/"
    actions = (Action("registry_app.view", _("查看试验台账"), "view"),
               Action("registry_app.change", _("办理试验台账"), "change"))
    figures = (Figure("registry_things", _("试验件数（登记）"), _("件"), "tests.registry_app.figures.things"),)
    menu = (MenuEntry(_("试验台账"), "registry_app:page", order=115, action="registry_app.view",
                      element_id="registry-app-link"),)
    daily_jobs = (DailyJob("tests.registry_app.tasks.count_things", order=105, line=_("试验台账：清点 {things} 件。")),)
    api_routes = (ApiRoute("registry-things", "tests.registry_app.api.ThingViewSet", "registry-thing"),)
    # After the four built-in kinds on the import page; needs its own module action besides imports.change.
    import_kinds = (ImportKind("things", _("试验件"), "tests.registry_app.imports.THINGS",
                               "tests.registry_app.imports.ThingsImporter", "registry_app.change", order=50,
                               help=_("按编号识别已有试验件。")),)
    # Off by default: the settings page offers it to everyone (tests/test_notices.py).
    notices = (NoticeKind("registry-app:", _("试验件清点提醒"), _("清点出差异时提醒。"), email_default=False,
                          audience="people"),)
    # A block of the portal's home page, after the news block (tests/test_portal.py).
    portal_blocks = (PortalBlock("registry-things", _("试验件"), "registry_app/portal_block.html",
                                 "tests.registry_app.portal.block", order=50),)
