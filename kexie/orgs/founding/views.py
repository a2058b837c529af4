"""Pages of 网上组建企业（园区）科协 (decision 0037). Phone first for the applicant (apply on one page, my requests, a
request's state and history), the shared table for the parent's staff (queue). Thin: input through ``forms``,
writes in ``services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.http import error_messages
from kexie.core.scope import get_in_scope, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.orgs.founding import forms as f
from kexie.orgs.founding import services as svc
from kexie.orgs.models_founding import FormationRequest
from kexie.orgs.widgets import SUGGESTIONS, matching, shown
from kexie.reviewing import decisions


@login_required
def parents(request):
    """``orgs:founding-parents``: the picker's suggestions — city and county 科协 and 园区科协 whose name contains,
    or whose code starts with, the typed text (public bodies: any signed-in applicant may look them up)."""
    field = request.GET.get("field", "")
    field = field if field.replace("_", "").replace("-", "").isalnum() and len(field) <= 40 else "q"
    list_id = request.GET.get("list", "")
    list_id = list_id if list_id.replace("_", "").replace("-", "").isalnum() and len(list_id) <= 60 else "org-choices"
    text = " ".join(request.GET.get(field, request.GET.get("q", "")).replace("\x00", "").split())[:60]
    found = (list(matching(svc.parent_choices(), text).select_related("kind").order_by("depth", "path")[:SUGGESTIONS])
             if text else [])
    response = render(request, "components/org_picker.html#choices",
                      {"list_id": list_id, "choices": [(shown(o), o) for o in found]})
    patch_vary_headers(response, ["Cookie"])
    return response


@login_required
def apply(request):
    posted = request.method == "POST"
    form = f.ApplyForm(request.POST if posted else None, request.FILES if posted else None)
    errors: list[str] = []
    if posted and form.is_valid():
        try:
            req = svc.submit(request.user, form.service_input(), form.cleaned_data.get("attachment"))
            messages.success(request, _("组建申请已提交，%(p)s审批后会通知您。") % {"p": req.parent.name})
            return redirect("orgs:founding-request", pk=req.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "orgs/founding/apply.html", {
        "form": form, "errors": errors, "mine": list(svc.my_requests(request.user)[:5])},
        status=400 if posted else 200)


@login_required
def mine(request):
    return render(request, "orgs/founding/mine.html", {"requests": list(svc.my_requests(request.user)[:50])})


def _request(request, pk: int) -> FormationRequest:
    req: FormationRequest = get_in_scope(
        FormationRequest.objects.select_related("parent", "applicant", "decided_by", "organisation", "enterprise"),
        request.user, pk, "orgs.view", own=Q(applicant_id=request.user.pk))
    return req


@login_required
def detail(request, pk: int):
    req = _request(request, pk)
    return render(request, "orgs/founding/request.html", {
        "req": req, **decisions.page(request, req, "orgs.change", mine=svc.is_applicant(request.user, req)),
        "can_open_org": req.organisation_id is not None and user_can(
            request.user, "orgs.view", req.organisation.path if req.organisation else "")})


@login_required
def attachment(request, pk: int):
    req = _request(request, pk)
    if not req.attachment or not req.attachment.storage.exists(req.attachment.name):
        raise Http404(_("没有这个附件。"))
    return FileResponse(req.attachment.open("rb"), as_attachment=True,
                        filename=req.attachment_name or req.attachment.name.rsplit("/", 1)[-1])


@login_required
def edit(request, pk: int):
    req = _request(request, pk)
    refused = decisions.resubmit_refused(request, req, "orgs:founding-request", mine=svc.is_applicant(request.user, req),
                                         refusal=_("只有申请人本人可以修改组建申请。"))
    if refused is not None:
        return refused
    posted = request.method == "POST"
    form = f.ApplyForm(request.POST if posted else None, request.FILES if posted else None, editing=True,
                       initial=f.ApplyForm.initial_from(req))
    errors: list[str] = []
    if posted and form.is_valid():
        try:
            svc.resubmit(request.user, req, form.service_input(), form.cleaned_data.get("attachment"))
            messages.success(request, _("已重新提交组建申请。"))
            return redirect("orgs:founding-request", pk=req.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "orgs/founding/apply.html", {"form": form, "errors": errors, "req": req},
                  status=400 if posted else 200)


@login_required
@require_POST
def act(request, pk: int):
    return decisions.act(request, _request(request, pk), f.DecideForm, "orgs:founding-request", STEPS)


STEPS = decisions.steps(svc.approve, lambda org: _("已批准组建，%(n)s已建立。") % {"n": org.name},
                        svc.return_, svc.reject, svc.withdraw, gettext_lazy("已撤回组建申请。"))


QUEUE_COLUMNS = (
    Column("name", gettext_lazy("拟定名称"), ("proposed_name",)),
    Column("parent", gettext_lazy("上级科协"), ("parent__name",), "hide-sm"),
    Column("kind", gettext_lazy("类型"), ("kind",), "hide-sm"),
    Column("scientists", gettext_lazy("科技工作者"), ("scientists",), "hide-sm"),
    Column("submitted", gettext_lazy("提交时间"), ("submitted_at",)),
    Column("status", gettext_lazy("状态"), ("status",)),
)


@login_required
def queue(request):
    flt = f.QueueFilter(request.GET)
    flt.is_valid()
    data: dict[str, Any] = getattr(flt, "cleaned_data", {})
    qs = svc.staff_queue(request.user)
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    text = str(data.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(enterprise_name__contains=text) | Q(proposed_name__contains=text))
    table = Table(request, qs, QUEUE_COLUMNS, row_template="orgs/founding/queue.html#row", filterset=flt,
                  table_id="founding-queue", default=("-submitted_at", "-id"),
                  empty=Empty(_("暂无科协组建申请。企业或园区在网上提交组建申请后，会出现在这里。"),
                              _("组织"), reverse("orgs:tree"), filtered=_("没有符合条件的组建申请。")))
    return render(request, "orgs/founding/queue.html", {"table": table, "filter": flt})
