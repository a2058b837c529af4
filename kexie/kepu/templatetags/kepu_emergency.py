"""``{% emergency_panel item request.user as ep %}``: what the 应急科普 panel of the staff item page shows — the
incident, whether the user is its approver, whether the fast-track button applies (and why not), the after-review
round, its deadline and result."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def emergency_panel(item: Any, user: Any) -> dict[str, Any]:
    from kexie.core.scope import user_can
    from kexie.kepu.emergency import services

    if item is None or not getattr(item, "incident_id", None):
        return {}
    incident = item.incident
    is_approver = getattr(user, "pk", None) == incident.approver_id
    state_refusal = services.state_refusal(item)
    review = services.after_round(item)
    tasks = list(review.tasks.select_related("expert").order_by("id")) if review is not None else []
    return {
        "incident": incident, "is_approver": is_approver,
        "can_fast": is_approver and not state_refusal and services.may_approve(user, item.org_path),
        "fast_open": not state_refusal,  # the state allows it: a non-approver is told who can
        "state_refusal": state_refusal, "review": review, "tasks": tasks,
        "state": services.due_state(item),
        "confirm": item.WORKFLOW["fast_publish"].confirm,
        "can_see_incident": user_can(user, "kepu.view", incident.org_path),
    }
