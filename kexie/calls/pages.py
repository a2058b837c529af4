"""The calls pages' shared look-ups: calls a user may read, an application (the applicant's own too), the
expert libraries in scope, refusals as messages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from kexie.calls.models import (
    Application,
    Call,
    ExpertLibrary,
)
from kexie.core.http import error_messages
from kexie.core.scope import get_in_scope


def _visible_calls(user: Any) -> Any:
    """Calls of organisations in scope, and every published call (a call is a public notice: ``for_public``)."""
    return Call.objects.alive().filter(
        Q(pk__in=Call.objects.for_user(user).values("pk")) | Q(pk__in=Call.objects.for_public().values("pk")))


def _call(request: Any, pk: int, action: str = "calls.view") -> Call:
    if action == "calls.view":
        call: Call | None = _visible_calls(request.user).select_related("owner").filter(pk=pk).first()
        if call is None:
            raise Http404(_("记录不存在或您无权访问。"))
        return call
    found: Call = get_in_scope(Call.objects.alive().select_related("owner"), request.user, pk, action)
    return found


def _application(request: Any, pk: int, action: str = "calls.view") -> Application:
    qs = Application.objects.select_related("call", "call__owner", "applicant_person", "applicant_org", "nominator")
    app: Application = get_in_scope(qs, request.user, pk, action, own=Q(applicant_person__user=request.user))
    return app


def _libraries(user: Any) -> Any:
    """The expert libraries a call's staff may choose: those in their scope."""
    return ExpertLibrary.objects.for_user(user).alive().order_by("org_path", "name")


def _refuse(request: Any, exc: Exception) -> None:
    for m in error_messages(exc):
        messages.error(request, m)
