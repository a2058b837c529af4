from django.utils.translation import gettext_lazy as _

from kexie.core.registry import Action, ApiRoute, KexieAppConfig, MenuEntry, PortalBlock


class PortalConfig(KexieAppConfig):
    """The public portal (no login): home, expert finder over consenting public profiles, news and notices."""

    name = "kexie.portal"
    label = "portal"
    url_prefix = "portal/"
    verbose_name = _("门户")
    actions = (Action("portal.view", _("查看新闻公告"), "view"),
               Action("portal.change", _("撰写、发布和撤回新闻公告"), "change"))
    menu = (MenuEntry(_("新闻公告"), "portal:articles", order=98, action="portal.change"),)
    api_routes = (ApiRoute("public/experts", "kexie.portal.api.PublicExpertViewSet", "public-expert"),)
    portal_blocks = (PortalBlock("news", _("新闻公告"), "portal/_block_news.html", "kexie.portal.blocks.news",
                                 order=10),)
