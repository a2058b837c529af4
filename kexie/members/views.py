"""Membership list, page and the actions on it (审批、缴费、变更类别、退会/除名)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.audit import history_for
from kexie.core.export import xlsx_response
from kexie.core.http import bad_request, error_messages, join_messages, to_id
from kexie.core.scope import get_in_scope, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.exports import start as export_start
from kexie.exports.kinds import members as members_export
from kexie.members import forms, services
from kexie.members.filters import MembershipFilter
from kexie.members.joining import forms as joining_forms
from kexie.members.joining import group_services as gsvc
from kexie.members.joining import services as jsvc
from kexie.members.joining.views import GROUP_QUEUE_COLUMNS, QUEUE_COLUMNS
from kexie.members.models import GroupMembership, LeadershipBody, Membership
from kexie.members.models_joining import JOINABLE_KINDS
from kexie.orgs.models import Organisation


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


def _addable(user: Any) -> Any:
    """The societies where the user may add members (members.change over a joinable organisation)."""
    return Organisation.objects.for_user(user, "members.change").alive().filter(kind__code__in=JOINABLE_KINDS)


PENDING_TABS = ("people", "groups")


@login_required
def membership_list(request):
    """个人会员, with the open applications (personal and group) one tab away: the society handles both here."""
    tab = request.GET.get("tab", "")
    tab = tab if tab in PENDING_TABS else ""
    waiting = {
        "people": jsvc.staff_queue(request.user).filter(status="submitted").count(),
        "groups": gsvc.group_queue(request.user).filter(status="submitted").count(),
    }
    context: dict[str, Any] = {"tab": tab, "waiting": waiting, "can_add": _addable(request.user).exists()}
    if tab == "people":
        qs = jsvc.staff_queue(request.user).filter(status="submitted")
        context["table"] = Table(request, qs, QUEUE_COLUMNS, row_template="members/joining/queue.html#row",
                                 table_id="pending-people", default=("due_at", "id"), empty=Empty(
                                     _("没有待审批的个人入会申请。"), _("入会审批"), reverse("members:queue")))
        return render(request, "members/list.html", context)
    if tab == "groups":
        qs = gsvc.group_queue(request.user).filter(status="submitted")
        context["table"] = Table(request, qs, GROUP_QUEUE_COLUMNS,
                                 row_template="members/joining/queue.html#group_row", table_id="pending-groups",
                                 default=("due_at", "id"), empty=Empty(
                                     _("没有待审批的单位入会申请。"), _("入会审批"),
                                     reverse("members:queue") + "?kind=group"))
        return render(request, "members/list.html", context)
    f = _filtered(request, "members.view")
    context["filter"] = f
    if not f.is_valid():
        context["table"] = None
        return render(request, "members/list.html", context, status=400)
    if context["can_add"]:
        empty = Empty(_("您的范围内还没有个人会员。"), _("添加会员"), reverse("members:add"),
                      filtered=_("没有符合条件的会员。"))
    else:
        empty = Empty(_("您的范围内还没有个人会员。"), _("批量导入会员"), reverse("imports:list"),
                      filtered=_("没有符合条件的会员。"))
    context["table"] = Table(request, f.qs, LIST_COLUMNS, row_template="members/list.html#row", filterset=f,
                             export_url=reverse("members:export"), empty=empty)
    return render(request, "members/list.html", context)


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
    "dues": (joining_forms.DuesForm, lambda u, m, d: services.record_dues(u, m, **d), gettext_lazy("已记录会费。")),
    "category": (forms.CategoryForm,
                 lambda u, m, d: services.change_category(u, m, d["category"], d["on"], d.get("note", "")),
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
        "payments": m.payments.order_by("-period", "-id")[:5],
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
    except (ValidationError, PermissionDenied) as exc:
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


# ---- 添加会员 (decision 0044) --------------------------------------------------------------------------------
STEPS = ("find", "choose", "new", "add")


def _initial_society(request) -> dict[str, Any]:
    """The society of the list's filter, or the single top one the user may add members to."""
    pk = to_id(request.GET.get("society"))
    qs = _addable(request.user)
    org = qs.filter(pk=pk).first() if pk is not None else None
    if org is None:  # the one at the top of the user's societies (a society's staff: the society, not a branch)
        top = qs.order_by("depth", "path").first()
        same = list(qs.filter(depth=top.depth)[:2]) if top is not None else []
        org = top if len(same) == 1 else None
    return {"society": org.pk} if org is not None else {}


@login_required
def add_member(request):
    """添加会员, phone first: search the registry (name, ID number, phone), pick a match or register a new
    person, choose the category and joining date. Every step is a POST so no ID number lands in an address."""
    if not _addable(request.user).exists():
        raise PermissionDenied(_("您没有可以添加会员的学会。"))
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step not in STEPS:
        find = forms.FindForm(user=request.user, initial=_initial_society(request))
        return render(request, "members/add.html", {"find": find, "step": ""},
                      status=400 if request.method == "POST" else 200)
    find = forms.FindForm(request.POST, user=request.user)
    context: dict[str, Any] = {"find": find, "step": step, "errors": []}
    if not find.is_valid():
        context["step"] = "find"
        return render(request, "members/add.html", context, status=400)
    criteria = find.cleaned_data
    society = criteria["society"]
    found = services.find_people(request.user, society, name=criteria["name"], id_number=criteria["id_number"],
                                 phone=criteria["phone"])
    context.update(society=society, found=found, criteria=criteria)
    chosen = None
    if step in ("choose", "add") and "person" in request.POST:
        pk = to_id(request.POST.get("person"))
        chosen = next((x for x in found.matches if x.person.pk == pk), None)
        if chosen is None:
            context["step"] = "find"
            context["errors"] = [_("所选人员不在查找结果中，请重新查找。")]
            return render(request, "members/add.html", context, status=400)
    adding_new = step == "new" or (step == "add" and chosen is None)
    join = forms.JoinForm(request.POST if step == "add" else None)
    new = None
    if adding_new:
        initial = {"new_name": criteria["name"], "new_id_number": criteria["id_number"],
                   "new_phone": criteria["phone"]}
        new = forms.NewPersonForm(request.POST if step == "add" else None, initial=initial)
    context.update(chosen=chosen, join=join, new=new)
    if step != "add":
        return render(request, "members/add.html", context)
    valid = join.is_valid() and (new is None or new.is_valid())
    if valid:
        data = join.cleaned_data
        person_data = None
        if new is not None:
            n = new.cleaned_data
            person_data = services.NewPerson(n["new_name"], n["new_id_number"], n["new_phone"], n["new_employer"])
        try:
            m = services.add_member(request.user, society, category=data["category"], joined_on=data["joined_on"],
                                    person=chosen.person if chosen is not None else None, new_person=person_data)
        except services.AlreadyMember as exc:
            context["errors"] = error_messages(exc)
            context["duplicate_url"] = exc.url
        except (ValidationError, PermissionDenied) as exc:
            context["errors"] = error_messages(exc)
        else:
            messages.success(request, _("已添加会员：%(p)s，会员号 %(n)s。") % {"p": m.person.name, "n": m.number})
            return redirect("members:detail", pk=m.pk)
    context["step"] = "new" if adding_new else "choose"
    return render(request, "members/add.html", context, status=400)
