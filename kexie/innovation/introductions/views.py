"""Pages of 点厨 (专家引荐). Thin: input through ``forms``, writes and the contact rules in ``services``; the
buttons follow ``Introduction.WORKFLOW`` and which side the user is on."""

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

from kexie.core.http import client_ip, error_messages
from kexie.core.tables import Column, Empty, Table
from kexie.innovation.formfields import ActionForm, cleaned, form_errors, lenient
from kexie.innovation.introductions import services as svc
from kexie.innovation.introductions.forms import ExpertPickForm, IntroActForm, IntroFilter, RequestForm
from kexie.innovation.models import Introduction, NeedKind
from kexie.innovation.needs.enterprises import enterprise_of
from kexie.people.models import Person

FLOW = Introduction.WORKFLOW
INTRO_COLUMNS = (
    Column("enterprise", gettext_lazy("企业"), ("enterprise__name",)),
    Column("expert", gettext_lazy("专家"), ("expert__name",)),
    Column("at", gettext_lazy("申请时间"), ("requested_at",)),
    Column("status", gettext_lazy("状态"), ("status",)),
)


def _get(request: Any, pk: int) -> Introduction:
    obj: Introduction | None = (svc.visible(request.user).select_related("enterprise", "expert", "need", "brokered_by")
                                .filter(pk=pk).first())
    if obj is None:
        raise Http404(_("记录不存在或您无权访问。"))
    return obj


@login_required
def intro_list(request):
    qs = svc.visible(request.user).select_related("enterprise", "expert")
    flt = IntroFilter(request.GET)
    status = lenient(flt)["status"]
    if status:
        qs = qs.filter(status=status)
    ent = enterprise_of(request.user)
    table = Table(request, qs.order_by("-requested_at", "-id"), INTRO_COLUMNS,
                  row_template="innovation/intros.html#row", filterset=flt, table_id="intros", empty=Empty(
                      _("暂无专家引荐。通过核验的企业可以点名请科协引荐专家，科协联系专家后在这里跟进。"),
                      _("现在申请专家引荐") if ent else "", reverse("innovation:intro-create") if ent else "",
                      filtered=_("没有符合条件的专家引荐。")))
    return render(request, "innovation/intros.html", {"table": table, "filter": flt, "enterprise": ent})


@login_required
def intro_create(request):
    ent = enterprise_of(request.user)
    if ent is None:
        raise PermissionDenied(_("企业尚未通过核验，暂不能申请专家引荐。"))
    needs = list(ent.needs.alive().order_by("-created_at")[:100])
    posted = request.method == "POST"
    pick = lenient(ExpertPickForm(request.GET))  # never invalid: malformed ids are None, q is cut below
    form = RequestForm(request.POST) if posted else None
    errors: list[str] = form_errors(form) if form is not None and not form.is_valid() else []
    data = form.cleaned_data if form is not None and not errors else {**pick, "message": ""}
    expert = Person.objects.alive().filter(pk=data["expert"]).first() if data["expert"] is not None else None
    need = next((n for n in needs if n.pk == data["need"]), None)
    if expert is not None and not svc.eligible_expert(expert, need):
        expert = None
    q = str(pick["q"] or "").strip()[:40]
    found = list(Person.objects.alive().filter(public_profile=True, name__contains=q).order_by("name", "pk")[:20]
                 ) if q else []
    if posted and not errors:
        try:
            if expert is None:
                raise ValidationError(_("请选择已公开专家信息的专家。"))
            obj = svc.request(request.user, expert=expert, message=data["message"], need=need)
            messages.success(request, _("引荐申请已提交，等待服务科协联系专家。"))
            return redirect("innovation:intro", pk=obj.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "innovation/intro_form.html", {
        "ent": ent, "needs": needs, "expert": expert, "need": need, "q": q, "found": found, "errors": errors,
        "message": data["message"]}, status=400 if errors else 200)


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
        "o": obj, "mine": mine, "expert_side": expert_side, "broker": broker, "contacts": contacts, "flow": FLOW,
        "can_broker": broker and FLOW.allows(obj, "broker"),
        "can_cancel": (broker or mine) and FLOW.allows(obj, "cancel"),
        "can_answer": expert_side and FLOW.allows(obj, "accept"),
        "can_complete": mine and FLOW.allows(obj, "complete"), "kinds": NeedKind.choices})


@login_required
@require_POST
def intro_act(request, pk: int):
    obj = _get(request, pk)
    action = ActionForm(request.POST).value()
    try:
        data = cleaned(IntroActForm(request.POST))
        if action == "broker":
            svc.broker(request.user, obj, data["note"])
        elif action == "cancel":
            svc.cancel(request.user, obj, data["reason"])
        elif action in ("accept", "decline"):
            svc.answer(request.user, obj, accept=action == "accept", reason=data["reason"])
        elif action == "complete":
            svc.complete(request.user, obj, outcome=data["outcome"], rating=min(data["rating"] or 0, 1000),
                         kind=data["kind"])
        else:
            raise ValidationError(_("未知的操作。"))
        messages.success(request, _("已保存。"))
    except (ValidationError, PermissionDenied) as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect("innovation:intro", pk=obj.pk)
