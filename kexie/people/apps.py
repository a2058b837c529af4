from django.utils.translation import gettext_lazy as _

from kexie.core.registry import ApiRoute, KexieAppConfig, MenuEntry


class PeopleConfig(KexieAppConfig):
    name = "kexie.people"
    label = "people"
    verbose_name = _("科技工作者")
    menu = (MenuEntry(_("科技工作者"), "people:list", order=20, action="view"),)
    api_routes = (ApiRoute("people", "kexie.api.views.PersonViewSet", "person"),)
