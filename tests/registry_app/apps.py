from django.utils.translation import gettext_lazy as _

from kexie.core.registry import ApiRoute, DailyJob, KexieAppConfig, MenuEntry


class RegistryAppConfig(KexieAppConfig):
    name = "tests.registry_app"
    label = "registry_app"
    verbose_name = _("试验台账")
    menu = (MenuEntry(_("试验台账"), "registry_app:page", order=115, action="view", element_id="registry-app-link"),)
    daily_jobs = (DailyJob("tests.registry_app.tasks.count_things", order=105, line=_("试验台账：清点 {things} 件。")),)
    api_routes = (ApiRoute("registry-things", "tests.registry_app.api.ThingViewSet", "registry-thing"),)
