"""Pages of 揭榜挂帅. Thin: input through ``forms``, writes in ``services`` and ``milestones``; the buttons follow
the declared workflows (``Challenge``, ``ChallengeApplication``, ``Milestone``) and the user's permission. A
published challenge is visible to every logged-in user; drafts and applications only to staff in scope (an
applicant sees their own application)."""

from __future__ import annotations

import datetime as dt
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

from kexie.core.http import error_messages
from kexie.core.scope import get_in_scope
from kexie.core.tables import Column, Empty, Table
from kexie.innovation.challenges import milestones
from kexie.innovation.challenges import services as svc
from kexie.innovation.challenges.forms import (
    FIELDS,
    ApplyForm,
    ChallengeActForm,
    ChallengeFilter,
    ChallengeForm,
    MilestoneActForm,
    NeedChoiceForm,
)
from kexie.innovation.formfields import ActionForm, cleaned, lenient
from kexie.innovation.models import Challenge, ChallengeApplication, Milestone, Need
from kexie.orgs.models import Organisation

FLOW = Challenge.WORKFLOW
APP_FLOW = ChallengeApplication.WORKFLOW
CHALLENGE_COLUMNS = (
    Column("title", gettext_lazy("榜单名称"), ("title",)),
    Column("bounty", gettext_lazy("榜额（万元）"), ("bounty",), "num"),
    Column("apply_by", gettext_lazy("揭榜截止"), ("apply_by",)),
    Column("owner", gettext_lazy("发布科协"), ("owner__name",), "hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
)


def _get(request: Any, pk: int) -> Challenge:
    ch: Challenge | None = svc.visible(request.user).select_related("owner", "need", "enterprise").filter(pk=pk).first()
    if ch is None:
        raise Http404(_("记录不存在或您无权访问。"))
    return ch


def _refuse(request: Any, exc: Exception) -> None:
    for m in error_messages(exc):
        messages.error(request, m)


@login_required
def challenge_list(request):
    qs = svc.visible(request.user).select_related("owner")
    flt = ChallengeFilter(request.GET)
    status = lenient(flt)["status"]
    if status:
        qs = qs.filter(status=status)
    owners = Organisation.objects.for_user(request.user, "innovation.change").alive().filter(kind__code="kx").exists()
    table = Table(request, qs.order_by("-created_at", "-id"), CHALLENGE_COLUMNS,
                  row_template="innovation/challenges.html#row", filterset=flt, table_id="challenges", empty=Empty(
                      _("暂无榜单。科协可以把企业的关键技术需求张榜，由专家团队揭榜攻关。"),
                      _("发布第一张榜单") if owners else "", reverse("innovation:challenge-create") if owners else "",
                      filtered=_("没有符合条件的榜单。")))
    return render(request, "innovation/challenges.html", {"table": table, "filter": flt, "can_create": owners})


def _owners(user: Any) -> list[Organisation]:
    return list(Organisation.objects.for_user(user, "innovation.change").alive().filter(kind__code="kx").order_by("path")[:200])


def _initial(form: ChallengeForm | None, ch: Challenge | None, need: Need | None) -> dict[str, Any]:
    """The values on the page: those sent (a bound form), else the challenge's or the need's."""
    out: dict[str, Any] = {}
    for k in FIELDS:
        default = getattr(ch, k) if ch is not None else (getattr(need, k, "") if need is not None else "")
        value = form[k].value() if form is not None else default
        out[k] = value.isoformat() if isinstance(value, dt.date) else ("" if value is None else value)
    return out


@login_required
def challenge_create(request):
    owners = _owners(request.user)
    posted = request.method == "POST"
    need_id = lenient(NeedChoiceForm(request.POST if posted else request.GET))["need"]  # a malformed id: None
    need: Need | None = None
    if need_id is not None:
        need = get_in_scope(Need.objects.alive(), request.user, need_id, "innovation.change")
    if not owners and need is None:
        raise PermissionDenied(_("您无权发布榜单。"))
    form = ChallengeForm(request.POST) if posted else None
    errors: list[str] = []
    if posted:
        try:
            data = cleaned(ChallengeForm(request.POST))
            owner = next((o for o in owners if o.pk == data["owner"]), None)
            if owner is None and need is None:
                raise ValidationError(_("请选择发布科协。"))
            ch = svc.create_challenge(request.user, owner=owner, need=need, **{k: data[k] for k in FIELDS})
            messages.success(request, _("榜单草稿已保存。"))
            return redirect("innovation:challenge", pk=ch.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "innovation/challenge_form.html", {
        "ch": None, "need": need, "owners": owners, "errors": errors, "v": _initial(form, None, need),
        "owner_id": str(form["owner"].value() or "") if form is not None else ""},
        status=400 if errors else 200)


@login_required
def challenge_edit(request, pk: int):
    ch: Challenge = get_in_scope(Challenge.objects.alive(), request.user, pk, "innovation.change")
    if not FLOW.allows(ch, "edit"):
        return redirect("innovation:challenge", pk=ch.pk)
    form = ChallengeForm(request.POST) if request.method == "POST" else None
    errors: list[str] = []
    if request.method == "POST":
        try:
            data = cleaned(ChallengeForm(request.POST))
            svc.edit_challenge(request.user, ch, **{k: data[k] for k in FIELDS})
            messages.success(request, _("已保存。"))
            return redirect("innovation:challenge", pk=ch.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "innovation/challenge_form.html", {
        "ch": ch, "need": None, "owners": [], "errors": errors, "v": _initial(form, ch, None), "owner_id": ""},
        status=400 if errors else 200)


@login_required
def challenge_detail(request, pk: int):
    ch = _get(request, pk)
    user = request.user
    staff = svc.can_manage(user, ch)
    person = svc.person_of(user)
    mine = (ch.applications.filter(leader=person).first() if person is not None else None)
    won = svc.winner(ch)
    is_winner = won is not None and person is not None and won.leader_id == person.pk
    ms = list(ch.milestones.all())
    awarded = FLOW.allows(ch, "milestone")
    rows = [{  # which buttons each milestone shows: its workflow, the challenge's and who the user is
        "m": m, "can_submit": is_winner and awarded and Milestone.WORKFLOW.allows(m, "submit"),
        "can_judge": staff and Milestone.WORKFLOW.allows(m, "accept"),
        "can_remove": staff and awarded and Milestone.WORKFLOW.allows(m, "remove") and not m.evidence,
    } for m in ms]
    return render(request, "innovation/challenge.html", {
        "ch": ch, "staff": staff, "mine": mine, "winner": won, "is_winner": is_winner, "flow": FLOW,
        "app_flow": APP_FLOW, "ms_flow": Milestone.WORKFLOW,
        "applications": (ch.applications.select_related("leader").order_by("submitted_at", "pk") if staff else []),
        "milestones": rows, "shares": sum(m.share for m in ms),
        "show_milestones": staff or is_winner,
        "can_apply": person is not None and FLOW.allows(ch, "apply")
        and (mine is None or APP_FLOW.allows(mine, "resubmit")),
        "can_withdraw": mine is not None and APP_FLOW.allows(mine, "withdraw") and FLOW.allows(ch, "apply"),
        "can_edit": staff and FLOW.allows(ch, "edit"), "can_publish": staff and FLOW.allows(ch, "publish"),
        "can_close": staff and FLOW.allows(ch, "close"), "can_select": staff and FLOW.allows(ch, "award"),
        "can_add_milestone": staff and awarded, "can_cancel": staff and FLOW.allows(ch, "cancel")})


@login_required
@require_POST
def challenge_act(request, pk: int):
    ch: Challenge = get_in_scope(Challenge.objects.alive(), request.user, pk, "innovation.change")
    action = ActionForm(request.POST).value()
    user = request.user
    try:
        data = cleaned(ChallengeActForm(request.POST))
        if action == "publish":
            svc.publish(user, ch)
        elif action == "close":
            svc.close_applications(user, ch)
        elif action == "cancel":
            svc.cancel(user, ch, data["reason"])
        elif action == "select":
            app = ch.applications.filter(pk=data["application"]).first() if data["application"] else None
            if app is None:
                raise ValidationError(_("请选择揭榜团队。"))
            svc.select(user, ch, app, data["reason"])
        elif action == "milestone":
            milestones.add_milestone(user, ch, title=data["title"], due=data["due"], share=data["share"])
        else:
            raise ValidationError(_("未知的操作。"))
        messages.success(request, _("已保存。"))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("innovation:challenge", pk=ch.pk)


@login_required
def challenge_apply(request, pk: int):
    ch = _get(request, pk)
    form = ApplyForm(request.POST) if request.method == "POST" else None
    errors: list[str] = []
    if request.method == "POST":
        try:
            data = cleaned(ApplyForm(request.POST))
            svc.apply(request.user, ch, unit=data["unit"], proposal=data["proposal"], team=data["team"])
            messages.success(request, _("揭榜申请已提交。"))
            return redirect("innovation:challenge", pk=ch.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    values = {k: (form[k].value() or "") if form is not None else "" for k in ("unit", "proposal", "team")}
    return render(request, "innovation/challenge_apply.html", {"ch": ch, "errors": errors, "v": values},
                  status=400 if errors else 200)


@login_required
@require_POST
def challenge_withdraw(request, pk: int):
    person = svc.person_of(request.user)
    app: ChallengeApplication | None = None
    if person is not None:
        app = ChallengeApplication.objects.select_related("challenge").filter(pk=pk, leader=person).first()
    if app is None:
        raise Http404(_("记录不存在或您无权访问。"))
    try:
        svc.withdraw(request.user, app)
        messages.success(request, _("揭榜申请已撤回。"))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("innovation:challenge", pk=app.challenge_id)


@login_required
@require_POST
def challenge_milestone(request, pk: int):
    ms: Milestone | None = Milestone.objects.select_related("challenge").filter(pk=pk).first()
    if ms is None:
        raise Http404(_("记录不存在或您无权访问。"))
    ch = ms.challenge
    staff = svc.can_manage(request.user, ch)
    won = svc.winner(ch)
    is_winner = won is not None and won.leader.user_id == request.user.pk
    if not (staff or is_winner):
        raise Http404(_("记录不存在或您无权访问。"))
    action = ActionForm(request.POST).value()
    try:
        data = cleaned(MilestoneActForm(request.POST))
        if action == "evidence":
            milestones.submit_evidence(request.user, ms, data["evidence"])
        elif action in ("accept", "reject"):
            milestones.judge_milestone(request.user, ms, accept=action == "accept", verdict=data["verdict"])
        elif action == "remove":
            milestones.remove_milestone(request.user, ms)
        else:
            raise ValidationError(_("未知的操作。"))
        messages.success(request, _("已保存。"))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("innovation:challenge", pk=ch.pk)
