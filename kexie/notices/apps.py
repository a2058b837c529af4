from typing import Any

from django.utils.translation import gettext_lazy as _

from kexie.core.registry import KexieAppConfig, MenuEntry


class NoticesConfig(KexieAppConfig):
    name = "kexie.notices"
    label = "notices"
    url_prefix = "notices/"
    verbose_name = _("站内通知")
    menu = (MenuEntry(_("通知"), "notices:inbox", order=120, element_id="notices-link",
                      badge="kexie.notices.apps.unread_badge"),)


def unread_badge(request: Any) -> Any:
    """The caller's unread count beside 通知 (counted only when the menu is rendered)."""
    from kexie.notices.context import unread

    return unread(request)["unread_notices"]
