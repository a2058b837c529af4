"""``{% review_panel item user as panel %}``: the review panel's context on the staff item page."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def review_panel(item: Any, user: Any) -> dict[str, Any]:
    from kexie.kepu.review.panel import context

    return context(item, user)
