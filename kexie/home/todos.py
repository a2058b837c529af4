"""资料变更 on the staff to-do desk (工作台, decision 0041): people's requests to change verified fields, decided
by the scope that holds the person's current organisation. One aggregate query. (The individual's own desk is
desk.py.)"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kexie.core.registry import Todo, summarise
from kexie.core.scope import scope_paths
from kexie.home.models import ChangeStatus, ProfileChange


def todos(user: Any) -> list[Todo]:
    if scope_paths(user, "people.change") == []:
        return []
    found = summarise(ProfileChange.objects.for_user(user, "people.change").filter(status=ChangeStatus.PENDING))
    return [Todo(_("待审核的资料变更申请"), found.count,
                 reverse("profile-change", args=[found.single]) if found.single else reverse("profile-changes"),
                 order=62)]
