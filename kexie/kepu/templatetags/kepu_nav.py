"""``{% kepu_staff_nav %}``: the staff pages of 数字科普 as one line of links under each page's title — only those
the user may open (the main menu keeps one 数字科普 entry)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from kexie.core.scope import scope_paths
from kexie.kepu.review.menu import reviewer

register = template.Library()


def links(user: Any) -> list[tuple[str, str, str]]:
    """(URL name, label, URL) of the staff pages ``user`` may open, in the order they are worked."""
    held = {a: scope_paths(user, a) != [] for a in ("kepu.view", "kepu.emergency", "kepu.screens")}
    out: list[tuple[str, str]] = []
    if held["kepu.view"]:
        out += [("kepu:manage", _("科普作品")), ("kepu:library", _("中央厨房"))]
    if reviewer(user):
        out.append(("kepu:reviews", _("科普审核")))
    if held["kepu.view"]:
        out.append(("kepu:debunks-manage", _("科学辟谣")))
    if held["kepu.emergency"]:
        out.append(("kepu:incidents", _("应急事件")))
    if held["kepu.screens"]:
        out.append(("kepu:screens", _("科普大屏")))
    if held["kepu.view"]:
        out += [("kepu:officers", _("科普信息员")), ("kepu:effect", _("传播效果")), ("kepu:hot", _("热点监测"))]
    return [(name, label, reverse(name)) for name, label in out]


@register.inclusion_tag("kepu/_staff_nav.html", takes_context=True)
def kepu_staff_nav(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    here = getattr(getattr(request, "resolver_match", None), "view_name", "")
    return {"links": links(user) if user is not None else [], "here": here}
