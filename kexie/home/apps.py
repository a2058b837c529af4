from django.utils.translation import gettext_lazy as _

from kexie.core.registry import KexieAppConfig


class HomeConfig(KexieAppConfig):
    """The signed-in user's own pages: the home page and 我的资料. They read organisations and people, so they live
    here and not in ``kexie.core``, which imports no domain app (decision 0020)."""

    name = "kexie.home"
    label = "home"
    url_prefix = ""
    verbose_name = _("首页")
