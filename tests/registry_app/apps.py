from django.utils.translation import gettext_lazy as _

from kexie.core.registry import Action, ApiRoute, DailyJob, Figure, KexieAppConfig, MenuEntry


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
