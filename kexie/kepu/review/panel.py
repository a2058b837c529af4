"""What the review panel of the staff item page shows (``kepu/review/_panel.html``): the current round with its
stage, deadline and tasks (experts by surname only), the earlier rounds' reasons, and the buttons this user may
press (the workflow's state rule and the user's action over the item's organisation)."""

from __future__ import annotations

from typing import Any

from kexie.core.scope import user_can
from kexie.kepu.models import Item, ItemStatus, Review, RoundKind, RoundStatus
from kexie.kepu.review.common import mask_name
from kexie.kepu.review.forms import ActForm

FLOW = Item.WORKFLOW


def buttons(item: Item, user: Any) -> dict[str, bool]:
    alive = item.deleted_at is None
    change = alive and user_can(user, "kepu.change", item.org_path)
    publish = alive and user_can(user, "kepu.publish", item.org_path)
    return {
        "submit": change and FLOW.allows(item, "submit") and not item.is_emergency,
        "withdraw": change and FLOW.allows(item, "withdraw") and (item.author_id == user.pk or publish),
        "approve": publish and item.status == ItemStatus.EDITORIAL,
        "return": publish and item.status == ItemStatus.EDITORIAL,
        "publish": publish and FLOW.allows(item, "publish"),
        "retract": publish and FLOW.allows(item, "retract"),
        "reopen": change and FLOW.allows(item, "reopen"),
    }


def rounds(item: Item) -> list[dict[str, Any]]:
    out = []
    for review in Review.objects.filter(item=item, kind=RoundKind.NORMAL).order_by("-opened_at", "-id").prefetch_related("tasks__expert"):
        tasks = [{"name": mask_name(t.expert.name), "decision": t.get_decision_display(), "code": t.decision,
                  "reason": t.reason, "due_at": t.due_at, "decided_at": t.decided_at} for t in review.tasks.all()]
        out.append({"review": review, "tasks": tasks, "active": review.status == RoundStatus.ACTIVE})
    return out


def context(item: Item, user: Any) -> dict[str, Any]:
    found = rounds(item)
    active = next((r for r in found if r["active"]), None)
    can = buttons(item, user)
    return {"current": active, "earlier": [r for r in found if not r["active"]], "can": can,
            "any_button": any(can.values()), "flow": FLOW, "form": ActForm()}
