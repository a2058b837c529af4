"""会员 on the to-do desk (工作台, decision 0041): membership and group-membership applications waiting for a
decision, with their decision deadline (``due_at``) and how many are overdue. One aggregate query per line."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kexie.core.registry import Todo, summarise
from kexie.core.scope import scope_paths
from kexie.members.models_joining import ApplicationStatus, GroupApplication, MembershipApplication


def todos(user: Any) -> list[Todo]:
    if scope_paths(user, "members.change") == []:
        return []
    queue = reverse("members:queue")
    people = summarise(MembershipApplication.objects.for_user(user, "members.change").filter(
        status=ApplicationStatus.SUBMITTED), "due_at")
    groups = summarise(GroupApplication.objects.for_user(user, "members.change").filter(
        status=ApplicationStatus.SUBMITTED), "due_at")
    return [
        people.todo(_("待审批的入会申请"), "members:application", f"{queue}?status={ApplicationStatus.SUBMITTED}",
                    order=40, note=_("审批期限")),
        groups.todo(_("待审批的单位入会申请"), "members:group-application",
                    f"{queue}?kind=group&status={ApplicationStatus.SUBMITTED}", order=42, note=_("审批期限")),
    ]
