"""Membership list, page and the actions on it (审批、缴费、变更类别、退会/除名)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.audit import history_for
from kexie.core.export import xlsx_response
from kexie.core.http import bad_request, error_messages, join_messages
from kexie.core.scope import get_in_scope, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.exports import start as export_start
from kexie.exports.kinds import members as members_export
from kexie.members import forms, services
from kexie.members.filters import MembershipFilter
from kexie.members.models import GroupMembership, LeadershipBody, Membership


def _filtered(request, action: str) -> MembershipFilter:
    qs = Membership.objects.for_user(request.user, action).filter(deleted_at__isnull=True)
    return MembershipFilter(request.GET, queryset=qs.select_related("person", "society").order_by("-id"),
                            request=request)


LIST_COLUMNS = (
    Column("name", gettext_lazy("姓名"), ("person__name",)),
    Column("society", gettext_lazy("学会"), ("society__name",)),
    Column("category", gettext_lazy("类别"), ("category",)),
    Column("number", gettext_lazy("会员号"), ("number",)),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("dues", gettext_lazy("会费缴至"), ("dues_paid_through",), "hide-sm"),
)
GROUP_COLUMNS = (
    Column("member", gettext_lazy("会员单位"), ("member__name",)),
    Column("society", gettext_lazy("学会"), ("society__name",)),
    Column("number", gettext_lazy("会员号"), ("number",)),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("joined", gettext_lazy("入会日期"), ("joined_on",)),
)


@login_required
def membership_list(request):
    f = _filtered(request, "members.view")
    if not f.is_valid():
        return render(request, "members/list.html", {"filter": f, "table": None}, status=400)
    table = Table(request, f.qs, LIST_COLUMNS, row_template="members/list.html#row", filterset=f,
                  export_url=reverse("members:export"), empty=Empty(
                      _("您的范围内还没有个人会员。"), _("批量导入会员"), reverse("imports:list"),
                      filtered=_("没有符合条件的会员。")))
    return render(request, "members/list.html", {"filter": f, "table": table})


@login_required
def export(request):
    f = _filtered(request, "members.export")
    if not f.is_valid():
        return bad_request(request, _("筛选条件有误，无法导出。"))
    # Large lists run as a background job (decision 0033); both paths write kexie.exports.kinds.members' rows.
    if export_start.too_large(f.qs):
        return export_start.background(request, "memberships")
    headers, _total, rows = members_export.rows(request.user, request.GET)
    return xlsx_response(_("个人会员"), _("个人会员"), headers, rows)


ACTIONS = {
    "approve": (forms.ApproveForm, lambda u, m, d: services.approve(u, m, **d), gettext_lazy("已批准入会。")),
    "reject": (forms.RejectForm, lambda u, m, d: services.reject(u, m, d["reason"]), gettext_lazy("已不予批准。")),
    "dues": (forms.DuesForm, lambda u, m, d: services.pay_dues(u, m, d["through"]), gettext_lazy("已登记缴费。")),
    "category": (forms.CategoryForm, lambda u, m, d: services.change_category(u, m, d["category"], d["on"]),
                 gettext_lazy("会员类别已变更。")),
    "end": (forms.EndForm, lambda u, m, d: services.end(u, m, d["kind"], d["on"], d["reason"]), gettext_lazy("会籍已终止。")),
}


@login_required
def detail(request, pk: int):
    m = get_in_scope(Membership.objects.select_related("person", "society"), request.user, pk)
    context = {
        "m": m,
        "events": m.events.select_related("actor"),
        "history": history_for(m)[:50],
        "can_change": user_can(request.user, "members.change", m.org_path),
        "forms": {name: spec[0](prefix=name) for name, spec in ACTIONS.items()},
    }
    return render(request, "members/detail.html", context)


@login_required
@require_POST
def act(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404(_("未知操作。"))
    m = get_in_scope(Membership.objects.all(), request.user, pk, "members.change")
    form_class, run, done = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
        return redirect("members:detail", pk=m.pk)
    try:
        run(request.user, m, form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, join_messages(error_messages(exc)))
    else:
        messages.success(request, str(done))
    return redirect("members:detail", pk=m.pk)


@login_required
def group_list(request):
    qs = GroupMembership.objects.for_user(request.user).filter(deleted_at__isnull=True)
    qs = qs.select_related("member", "society").order_by("-id")
    table = Table(request, qs, GROUP_COLUMNS, row_template="members/groups.html#row", empty=Empty(
        _("暂无单位会员。"), _("批量导入单位会员"), reverse("imports:list")))
    return render(request, "members/groups.html", {"table": table})


@login_required
def body_detail(request, pk: int):
    body = get_in_scope(LeadershipBody.objects.select_related("organisation"), request.user, pk)
    terms = body.terms.prefetch_related("posts__person")
    return render(request, "members/body.html", {"body": body, "terms": terms})
