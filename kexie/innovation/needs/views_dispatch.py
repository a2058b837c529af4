"""Pages of a dispatch (科协报到: the society's answer and completion) and of enterprises (registration and
verification). Thin: input through ``forms``, writes in ``dispatches`` and ``enterprises``; the buttons follow
``Dispatch.WORKFLOW`` / ``Enterprise.WORKFLOW`` and the user's permission."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kexie.calls.eligibility import GOOD_STANDING
from kexie.core.http import error_messages
from kexie.core.scope import get_in_scope, user_can
from kexie.innovation.data import industries
from kexie.innovation.formfields import ActionForm, add_errors, cleaned
from kexie.innovation.models import Dispatch, Enterprise, Need
from kexie.innovation.needs import dispatches, enterprises
from kexie.innovation.needs.forms import AnswerForm, EnterpriseForm, TeamForm, VerifyForm
from kexie.people.models import Person

INDUSTRY_NAMES = industries.NAMES  # in the interface language
FLOW = Dispatch.WORKFLOW


def _refuse(request, exc: Exception) -> None:
    for m in error_messages(exc):
        messages.error(request, m)


def _team(form: TeamForm) -> tuple[Person | None, list[Person]]:
    """The leader and members of an answer, picked by person search in the user's scope (else the form's
    Chinese errors)."""
    data = cleaned(form)
    leader: Person | None = data["leader"]
    members = {p.pk: p for p in data["team"]}
    if leader is not None:
        members.setdefault(leader.pk, leader)
    return leader, list(members.values())


@login_required
def dispatch_detail(request, pk: int):
    qs = Dispatch.objects.select_related("need", "need__enterprise", "society", "team_leader")
    d: Dispatch = get_in_scope(qs, request.user, pk)
    user = request.user
    society_staff = bool(user_can(user, "innovation.change", d.society_path))
    can_answer = society_staff and FLOW.allows(d, "accept")
    can_complete = society_staff and FLOW.allows(d, "complete")
    team_form = TeamForm(request.POST if request.method == "POST" and ActionForm(request.POST).value() == "accept"
                         else None, user=user)
    if request.method == "POST":
        try:
            action = ActionForm(request.POST).value()
            if action == "accept" and can_answer:
                data = cleaned(AnswerForm(request.POST))
                leader, team = _team(team_form)
                dispatches.respond(user, d, accept=True, leader=leader, team=team, plan=data["plan"])
            elif action == "decline" and can_answer:
                dispatches.respond(user, d, accept=False, reason=cleaned(AnswerForm(request.POST))["reason"])
            elif action == "complete" and can_complete:
                dispatches.complete(user, d, cleaned(AnswerForm(request.POST))["outcome"])
            else:
                raise PermissionDenied(_("当前不能办理这项操作。"))
            messages.success(request, _("已保存。"))
            return redirect("innovation:dispatch", pk=d.pk)
        except (ValidationError, PermissionDenied) as exc:
            _refuse(request, exc)
    members = 0
    if can_answer:
        members = Person.objects.for_user(user, "people.view").filter(
            memberships__society=d.society, memberships__status__in=GOOD_STANDING, deleted_at__isnull=True,
        ).values("pk").distinct().count()
    return render(request, "innovation/dispatch.html", {"d": d, "need": d.need, "can_answer": can_answer,
                                                        "can_complete": can_complete, "team": d.team.all(),
                                                        "members": members, "team_form": team_form,
                                                        "flow": FLOW})


@login_required
def enterprise_register(request):
    form = EnterpriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ent = enterprises.register_enterprise(request.user, name=data["name"], uscc=data["uscc"],
                                                  contact_name=data["contact_name"],
                                                  contact_phone=data["contact_phone"], industry=data["industry"],
                                                  region_code=data["region"], address=data["address"])
            messages.success(request, _("注册已提交，等待服务科协核验。"))
            return redirect("innovation:enterprise", pk=ent.pk)
        except ValidationError as exc:
            add_errors(form, exc)
    return render(request, "innovation/enterprise_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def enterprise_detail(request, pk: int):
    ent = Enterprise.objects.alive().filter(pk=pk, users=request.user).select_related("host").first()
    if ent is None:
        ent = get_in_scope(Enterprise.objects.alive().select_related("host"), request.user, pk)
    staff = bool(user_can(request.user, "innovation.change", ent.org_path))
    if request.method == "POST":
        if not staff:
            raise PermissionDenied(_("您无权核验该企业。"))
        try:
            data = cleaned(VerifyForm(request.POST))
            enterprises.verify_enterprise(request.user, ent, data["verdict"], data["reason"])
            messages.success(request, _("核验结论已保存。"))
            return redirect("innovation:enterprise", pk=ent.pk)
        except ValidationError as exc:
            _refuse(request, exc)
    return render(request, "innovation/enterprise.html", {
        "ent": ent, "staff": staff, "industry": INDUSTRY_NAMES.get(ent.industry, ""), "flow": Enterprise.WORKFLOW,
        "needs": Need.objects.alive().filter(enterprise=ent).order_by("-created_at")[:50]})
