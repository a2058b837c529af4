"""组织 on the to-do desk (工作台, decision 0041): requests to found an enterprise or park 科协 waiting for my
organisation's decision. One aggregate query."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kexie.core.registry import Todo, summarise
from kexie.core.scope import scope_paths
from kexie.orgs.models_founding import FormationRequest, FormationStatus


def todos(user: Any) -> list[Todo]:
    if scope_paths(user, "orgs.change") == []:
        return []
    found = summarise(FormationRequest.objects.for_user(user, "orgs.change").filter(status=FormationStatus.SUBMITTED))
    return [found.todo(_("待审批的科协组建申请"), "orgs:founding-request",
                       f"{reverse('orgs:founding-queue')}?status={FormationStatus.SUBMITTED}", order=50)]
