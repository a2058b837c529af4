"""Pages of 点厨 (专家引荐). Thin: writes and the contact rules are in ``intro``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kexie.core.http import client_ip, error_messages, paginate, to_id
from kexie.innovation import intro as svc
from kexie.innovation.models import Introduction, IntroStatus, NeedKind
from kexie.innovation.services import enterprise_of
from kexie.people.models import Person


def _get(request: Any, pk: int) -> Introduction:
    obj: Introduction | None = (svc.visible(request.user).select_related("enterprise", "expert", "need", "brokered_by")
                                .filter(pk=pk).first())
    if obj is None:
        raise Http404(_("记录不存在或您无权访问。"))
    return obj


@login_required
def intro_list(request):
    qs = svc.visible(request.user).select_related("enterprise", "expert")
    status = request.GET.get("status", "")
    if status in IntroStatus.values:
        qs = qs.filter(status=status)
    return render(request, "innovation/intros.html", {
        "page": paginate(request, qs.order_by("-requested_at", "-id")), "status": status,
        "statuses": IntroStatus.choices, "enterprise": enterprise_of(request.user)})


@login_required
def intro_create(request):
    ent = enterprise_of(request.user)
    if ent is None:
        raise PermissionDenied(_("企业尚未通过核验，暂不能申请专家引荐。"))
    needs = list(ent.needs.alive().order_by("-created_at")[:100])
    source = request.POST if request.method == "POST" else request.GET
    expert_id = to_id(source.get("expert"))
    expert = Person.objects.alive().filter(pk=expert_id).first() if expert_id is not None else None
    need_id = source.get("need", "")
    need = next((n for n in needs if str(n.pk) == need_id), None)
    if expert is not None and not svc.eligible_expert(expert, need):
        expert = None
    q = request.GET.get("q", "").strip()[:40]
    found = list(Person.objects.alive().filter(public_profile=True, name__contains=q).order_by("name", "pk")[:20]
                 ) if q else []
    errors: list[str] = []
    if request.method == "POST":
        try:
            if expert is None:
                raise ValidationError(_("请选择已公开专家信息的专家。"))
            obj = svc.request(request.user, expert=expert, message=request.POST.get("message", ""), need=need)
            messages.success(request, _("引荐申请已提交，等待服务科协联系专家。"))
            return redirect("innovation:intro", pk=obj.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "innovation/intro_form.html", {
        "ent": ent, "needs": needs, "expert": expert, "need": need, "q": q, "found": found, "errors": errors,
        "message": request.POST.get("message", "")}, status=400 if errors else 200)


@login_required
def intro_detail(request, pk: int):
    obj = _get(request, pk)
    user = request.user
    mine, expert_side, broker = (svc.is_enterprise_side(user, obj), svc.is_expert_side(user, obj),
                                 svc.is_broker(user, obj))
    contacts: dict[str, str] | None = None
    if (mine or expert_side) and obj.status in svc.CONTACTS_SHOWN:
        contacts = svc.reveal_contacts(user, obj, client_ip(request))  # decrypted on display, every view logged
    return render(request, "innovation/intro.html", {
        "o": obj, "mine": mine, "expert_side": expert_side, "broker": broker, "contacts": contacts,
        "can_broker": broker and obj.status == IntroStatus.REQUESTED,
        "can_cancel": (broker or mine) and obj.status in svc.CANCELLABLE,
        "can_answer": expert_side and obj.status == IntroStatus.BROKERED,
        "can_complete": mine and obj.status == IntroStatus.ACCEPTED, "kinds": NeedKind.choices})


@login_required
@require_POST
def intro_act(request, pk: int):
    obj = _get(request, pk)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action == "broker":
            svc.broker(request.user, obj, request.POST.get("note", ""))
        elif action == "cancel":
            svc.cancel(request.user, obj, reason)
        elif action in ("accept", "decline"):
            svc.answer(request.user, obj, accept=action == "accept", reason=reason)
        elif action == "complete":
            rating = request.POST.get("rating", "")
            svc.complete(request.user, obj, outcome=request.POST.get("outcome", ""),
                         rating=int(rating) if rating.isdigit() else 0, kind=request.POST.get("kind", ""))
        else:
            raise ValidationError(_("未知的操作。"))
        messages.success(request, _("已保存。"))
    except (ValidationError, PermissionDenied) as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect("innovation:intro", pk=obj.pk)
