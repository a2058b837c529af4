"""Pages of 揭榜挂帅. Thin: writes are in ``challenges``. A published challenge is visible to every logged-in user;
drafts and applications only to staff in scope (an applicant sees their own application)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kexie.core.http import error_messages, paginate
from kexie.core.scope import get_in_scope
from kexie.innovation import challenges as svc
from kexie.innovation.models import (
    Challenge,
    ChallengeApplication,
    ChallengeApplicationStatus,
    ChallengeStatus,
    Milestone,
    MilestoneStatus,
    Need,
)
from kexie.orgs.models import Organisation

FIELDS = ("title", "description", "bounty", "apply_by")


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
    status = request.GET.get("status", "")
    if status in ChallengeStatus.values:
        qs = qs.filter(status=status)
    owners = Organisation.objects.for_user(request.user, "change").alive().filter(kind__code="kx").exists()
    return render(request, "innovation/challenges.html", {
        "page": paginate(request, qs.order_by("-created_at", "-id")), "status": status,
        "statuses": ChallengeStatus.choices, "can_create": owners})


def _owners(user: Any) -> list[Organisation]:
    return list(Organisation.objects.for_user(user, "change").alive().filter(kind__code="kx").order_by("path")[:200])


def _initial(source: Any, ch: Challenge | None, need: Need | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in FIELDS:
        default = getattr(ch, k) if ch is not None else (getattr(need, k, "") if need is not None else "")
        value = source.get(k, default) if source else default
        out[k] = value.isoformat() if isinstance(value, dt.date) else ("" if value is None else value)
    return out


@login_required
def challenge_create(request):
    owners = _owners(request.user)
    need_id = (request.POST if request.method == "POST" else request.GET).get("need", "")
    need: Need | None = None
    if need_id:
        need = get_in_scope(Need.objects.alive(), request.user, need_id, "change")
    if not owners and need is None:
        raise PermissionDenied(_("您无权发布榜单。"))
    errors: list[str] = []
    if request.method == "POST":
        try:
            owner = next((o for o in owners if str(o.pk) == request.POST.get("owner", "")), None)
            if owner is None and need is None:
                raise ValidationError(_("请选择发布科协。"))
            ch = svc.create_challenge(request.user, owner=owner, need=need,
                                      **{k: request.POST.get(k, "") for k in FIELDS})
            messages.success(request, _("榜单草稿已保存。"))
            return redirect("innovation:challenge", pk=ch.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "innovation/challenge_form.html", {
        "ch": None, "need": need, "owners": owners, "errors": errors,
        "v": _initial(request.POST if request.method == "POST" else None, None, need)},
        status=400 if errors else 200)


@login_required
def challenge_edit(request, pk: int):
    ch: Challenge = get_in_scope(Challenge.objects.alive(), request.user, pk, "change")
    if ch.status != ChallengeStatus.DRAFT:
        return redirect("innovation:challenge", pk=ch.pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            svc.edit_challenge(request.user, ch, **{k: request.POST.get(k, "") for k in FIELDS})
            messages.success(request, _("已保存。"))
            return redirect("innovation:challenge", pk=ch.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "innovation/challenge_form.html", {
        "ch": ch, "need": None, "owners": [], "errors": errors,
        "v": _initial(request.POST if request.method == "POST" else None, ch, None)}, status=400 if errors else 200)


@login_required
def challenge_detail(request, pk: int):
    ch = _get(request, pk)
    user = request.user
    staff = svc.can_manage(user, ch)
    person = svc.person_of(user)
    mine = (ch.applications.filter(leader=person).first() if person is not None else None)
    won = svc.winner(ch)
    is_winner = won is not None and person is not None and won.leader_id == person.pk
    milestones = list(ch.milestones.all())
    return render(request, "innovation/challenge.html", {
        "ch": ch, "staff": staff, "mine": mine, "winner": won, "is_winner": is_winner,
        "applications": (ch.applications.select_related("leader").order_by("submitted_at", "pk") if staff else []),
        "milestones": milestones, "shares": sum(m.share for m in milestones),
        "show_milestones": staff or is_winner,
        "can_apply": person is not None and ch.status == ChallengeStatus.OPEN
        and (mine is None or mine.status == ChallengeApplicationStatus.WITHDRAWN),
        "can_withdraw": mine is not None and mine.status == ChallengeApplicationStatus.SUBMITTED
        and ch.status == ChallengeStatus.OPEN,
        "can_cancel": staff and ch.status in svc.CANCELLABLE,
        "submittable": (MilestoneStatus.PENDING, MilestoneStatus.REJECTED)})


@login_required
@require_POST
def challenge_act(request, pk: int):
    ch: Challenge = get_in_scope(Challenge.objects.alive(), request.user, pk, "change")
    action = request.POST.get("action", "")
    user = request.user
    try:
        if action == "publish":
            svc.publish(user, ch)
        elif action == "close":
            svc.close_applications(user, ch)
        elif action == "cancel":
            svc.cancel(user, ch, request.POST.get("reason", ""))
        elif action == "select":
            app_id = request.POST.get("application", "")
            app = ch.applications.filter(pk=int(app_id)).first() if app_id.isdigit() else None
            if app is None:
                raise ValidationError(_("请选择揭榜团队。"))
            svc.select(user, ch, app, request.POST.get("reason", ""))
        elif action == "milestone":
            svc.add_milestone(user, ch, title=request.POST.get("title", ""), due=request.POST.get("due", ""),
                              share=request.POST.get("share", ""))
        else:
            raise ValidationError(_("未知的操作。"))
        messages.success(request, _("已保存。"))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("innovation:challenge", pk=ch.pk)


@login_required
def challenge_apply(request, pk: int):
    ch = _get(request, pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            svc.apply(request.user, ch, unit=request.POST.get("unit", ""), proposal=request.POST.get("proposal", ""),
                      team=request.POST.get("team", ""))
            messages.success(request, _("揭榜申请已提交。"))
            return redirect("innovation:challenge", pk=ch.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "innovation/challenge_apply.html", {
        "ch": ch, "errors": errors, "v": {k: request.POST.get(k, "") for k in ("unit", "proposal", "team")}},
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
    action = request.POST.get("action", "")
    try:
        if action == "evidence":
            svc.submit_evidence(request.user, ms, request.POST.get("evidence", ""))
        elif action in ("accept", "reject"):
            svc.judge_milestone(request.user, ms, accept=action == "accept", verdict=request.POST.get("verdict", ""))
        elif action == "remove":
            svc.remove_milestone(request.user, ms)
        else:
            raise ValidationError(_("未知的操作。"))
        messages.success(request, _("已保存。"))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("innovation:challenge", pk=ch.pk)
