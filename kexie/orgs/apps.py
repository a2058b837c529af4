from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import ApiRoute, KexieAppConfig, MenuEntry


class OrgsConfig(KexieAppConfig):
    name = "kexie.orgs"
    label = "orgs"
    verbose_name = _("组织")
    menu = (MenuEntry(pgettext_lazy("navigation", "组织"), "orgs:tree", order=10, action="view"),)
    api_routes = (ApiRoute("orgs", "kexie.api.views.OrganisationViewSet", "org"),)
