"""The decision page helpers of an application under review (decision 0048): the posted decision (批准 / 退回修改 /
不予批准 / 撤回) read through the owner's form, run through the owner's service, answered with a Chinese message
and a redirect back to the record; the applicant's edit guard. The templates are reviewing/_decision.html (the
decider's box and the applicant's buttons) and reviewing/_history.html (办理记录)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.core.http import error_messages
from kexie.core.scope import user_can
from kexie.reviewing.steps import REASON_MAX

# one decision: the service (return_/reject take the reason, approve/withdraw do not) and the success message,
# or a function of what the service returned that makes it (approval: the new number)
Step = tuple[Callable[..., Any], Any]
WITH_REASON = ("return", "reject")
RETURNED = gettext_lazy("已退回申请人修改。")


def steps(approve: Callable[..., Any], approved: Callable[[Any], str], return_: Callable[..., Any],
          reject: Callable[..., Any], withdraw: Callable[..., Any], withdrawn: Any,
          returned: Any = RETURNED) -> dict[str, Step]:
    """The four decisions of a record: its services and their success messages (``approved`` makes it from
    what approval created)."""
    return {"approve": (approve, approved), "return": (return_, returned),
            "reject": (reject, gettext_lazy("已不予批准。")), "withdraw": (withdraw, withdrawn)}


def page(request: Any, obj: Any, decide_action: str, *, mine: bool) -> dict[str, Any]:
    """What the record's page needs for reviewing/_decision.html and _history.html: whether the viewer is the
    applicant (``mine``) or may decide (``decide_action`` over the record's place), the workflow, the history."""
    return {"mine": mine, "staff": user_can(request.user, decide_action, obj.org_path), "flow": obj.WORKFLOW,
            "events": obj.events.select_related("actor")}


def decision_form(approve_label: Any) -> type[forms.Form]:
    """The decision form: which step, and the reason the applicant sees (the limit shows in the page)."""
    return type("DecideForm", (forms.Form,), {
        "action": forms.ChoiceField(choices=[("approve", approve_label), ("return", gettext_lazy("退回修改")),
                                             ("reject", gettext_lazy("不予批准")),
                                             ("withdraw", gettext_lazy("撤回申请"))]),
        "reason": forms.CharField(label=gettext_lazy("理由（申请人会看到）"), max_length=REASON_MAX, required=False),
    })


def act(request: Any, obj: Any, form_class: type[forms.Form], url_name: str, steps: Mapping[str, Step]
        ) -> HttpResponse:
    """A posted decision on ``obj``: the step the form names, its message, back to ``url_name`` (the record's
    page). Refusals (state, scope, reason) are Chinese messages on that page and change nothing."""
    form = form_class(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] not in steps:
        too_long = "reason" in form.errors and "action" not in form.errors
        messages.error(request, _("理由不能超过 %(n)s 字。") % {"n": REASON_MAX} if too_long else _("未知的操作。"))
        return redirect(url_name, pk=obj.pk)
    action = form.cleaned_data["action"]
    service, message = steps[action]
    try:
        args = (form.cleaned_data["reason"],) if action in WITH_REASON else ()
        result = service(request.user, obj, *args)
        messages.success(request, message(result) if callable(message) else str(message))
    except (ValidationError, PermissionDenied) as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    return redirect(url_name, pk=obj.pk)


def resubmit_refused(request: Any, obj: Any, url_name: str, *, mine: bool, refusal: Any) -> HttpResponse | None:
    """The edit page's guard: only the applicant (else ``PermissionDenied(refusal)``), only a returned record
    (else a message and back to the record). ``None`` when editing may go on."""
    if not mine:
        raise PermissionDenied(str(refusal))
    if not obj.WORKFLOW.allows(obj, "resubmit"):
        messages.error(request, _("只有退回修改的申请可以修改后重新提交。"))
        return redirect(url_name, pk=obj.pk)
    return None
