"""账号认领 on the to-do desk (工作台, decision 0041): people's claims of a registry record that my organisation
must confirm. One aggregate query."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kexie.core.registry import Todo, summarise
from kexie.core.scope import scope_paths
from kexie.signup.models import ClaimRequest, ClaimStatus


def todos(user: Any) -> list[Todo]:
    if scope_paths(user, "signup.claims") == [] or scope_paths(user, "people.change") == []:
        return []
    found = summarise(ClaimRequest.objects.for_user(user, "signup.claims").filter(status=ClaimStatus.PENDING))
    return [found.todo(_("待确认的档案认领申请"), "signup:claim", reverse("signup:claims"), order=60)]
