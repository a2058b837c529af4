"""Staff pages of 应急科普: the incidents (list, register, manage, edit, close) and the fast-track button's POST.
Lists start from ``for_user``; details from ``get_in_scope``; writes go through ``kexie.kepu.emergency.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.http import error_messages, forbidden
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.kepu.emergency import services
from kexie.kepu.emergency.forms import IncidentFilter, IncidentForm
from kexie.kepu.models import Incident, IncidentStatus, Item
from kexie.orgs.models import Organisation

INCIDENT_COLUMNS = (
    Column("title", gettext_lazy("事件名称"), ("title",)),
    Column("kind", gettext_lazy("事件类型"), ("kind",), "hide-sm"),
    Column("org", gettext_lazy("响应单位"), ("org__name",), "hide-sm"),
    Column("approver", gettext_lazy("快速发布审批人"), (), "hide-sm"),
    Column("items", gettext_lazy("作品"), ("n_items",), "hide-sm"),
    Column("started", gettext_lazy("开始时间"), ("started_at",)),
    Column("status", gettext_lazy("状态"), ("status",)),
)
ITEM_COLUMNS = (
    Column("title", gettext_lazy("标题"), ("title",)),
    Column("org", gettext_lazy("发布单位"), ("org__name",), "hide-sm"),
    Column("published", gettext_lazy("发布时间"), ("published_at",), "hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("after", gettext_lazy("事后审核"), ("after_review_due_at",)),
)


def _emergency_orgs(user: Any) -> list[Organisation]:
    return list(Organisation.objects.for_user(user, "kepu.emergency").alive().order_by("path")[:300])


def _approver(choices: list[tuple[Any, str]], pk: Any) -> Any:
    return next((u for u, _place in choices if u.pk == pk), None)


@login_required
def incidents(request):
    if scope_paths(request.user, "kepu.view") == []:
        raise PermissionDenied(_("您无权查看应急事件。"))
    flt = IncidentFilter(request.GET)
    data = flt.values()
    qs = (Incident.objects.for_user(request.user, "kepu.view").select_related("org", "approver")
          .annotate(n_items=Count("items", filter=Q(items__deleted_at__isnull=True))))
    if data["q"]:
        qs = qs.filter(title__icontains=data["q"])
    if data["kind"]:
        qs = qs.filter(kind=data["kind"])
    if data["status"]:
        qs = qs.filter(status=data["status"])
    can_create = scope_paths(request.user, "kepu.emergency") != []
    table = Table(request, qs.order_by("-started_at", "-id"), INCIDENT_COLUMNS,
                  row_template="kepu/emergency/incidents.html#row", filterset=flt, table_id="incidents",
                  empty=Empty(_("暂无应急事件。突发事件发生时登记事件并指定快速发布审批人，应急科普作品即可快速发布。"),
                              _("登记应急事件") if can_create else "",
                              reverse("kepu:incident-create") if can_create else "",
                              filtered=_("没有符合条件的应急事件。")))
    return render(request, "kepu/emergency/incidents.html", {"table": table, "filter": flt, "can_create": can_create})


def _form_page(request: Any, form: IncidentForm, incident: Incident | None) -> Any:
    return render(request, "kepu/emergency/incident_form.html", {"form": form, "incident": incident},
                  status=400 if form.errors else 200)


@login_required
def incident_create(request):
    orgs = _emergency_orgs(request.user)
    if not orgs:
        raise PermissionDenied(_("您无权登记应急事件。"))
    choices = services.approver_choices(orgs)
    form = IncidentForm(request.POST or None, orgs=orgs, approvers=choices)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        org = next((o for o in orgs if o.pk == data.pop("org")), None)
        data["approver"] = _approver(choices, data["approver"])
        try:
            if org is None:
                raise ValidationError(_("请选择响应单位。"))
            incident = services.create_incident(request.user, org=org, **data)
            messages.success(request, _("应急事件已登记。"))
            return redirect("kepu:incident-manage", pk=incident.pk)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
    return _form_page(request, form, None)


@login_required
def incident_edit(request, pk: int):
    incident: Incident = get_in_scope(Incident.objects.select_related("org"), request.user, pk, "kepu.emergency")
    if incident.status != IncidentStatus.ACTIVE:
        messages.error(request, _("事件已结束，不能再修改。"))
        return redirect("kepu:incident-manage", pk=incident.pk)
    choices = services.approver_choices([incident.org])
    initial = {"kind": incident.kind, "title": incident.title, "summary": incident.summary,
               "approver": incident.approver_id, "after_review_hours": incident.after_review_hours}
    form = IncidentForm(request.POST or None, initial=initial, approvers=choices)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["approver"] = _approver(choices, data["approver"])
        data["region"] = incident.region
        try:
            services.edit_incident(request.user, incident, **data)
            messages.success(request, _("已保存。"))
            return redirect("kepu:incident-manage", pk=incident.pk)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
    return _form_page(request, form, incident)


@login_required
def incident_manage(request, pk: int):
    incident: Incident = get_in_scope(Incident.objects.select_related("org", "approver", "region"), request.user,
                                      pk, "kepu.view")
    items = (Item.objects.for_user(request.user, "kepu.view").alive().filter(incident=incident)
             .select_related("org"))
    active = incident.status == IncidentStatus.ACTIVE
    can_manage = user_can(request.user, "kepu.emergency", incident.org_path)
    can_write = active and scope_paths(request.user, "kepu.change") != []
    new_url = f"{reverse('kepu:item-create')}?incident={incident.pk}"
    table = Table(request, items, ITEM_COLUMNS, row_template="kepu/emergency/incident_manage.html#row",
                  table_id="incident-items", default=("-published_at", "-id"),
                  empty=Empty(_("本事件还没有应急科普作品。"), _("新建应急作品") if can_write else "",
                              new_url if can_write else ""))
    return render(request, "kepu/emergency/incident_manage.html", {
        "incident": incident, "table": table, "active": active, "can_manage": can_manage,
        "can_write": can_write, "new_url": new_url, "is_approver": incident.approver_id == request.user.pk,
        "public": Incident.objects.for_public().filter(pk=incident.pk).exists(), "now": timezone.now(),
    })


@login_required
@require_POST
def incident_close(request, pk: int):
    incident: Incident = get_in_scope(Incident.objects.all(), request.user, pk, "kepu.emergency")
    try:
        services.close_incident(request.user, incident)
        messages.success(request, _("事件已结束响应，不能再快速发布。"))
    except ValidationError as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect("kepu:incident-manage", pk=incident.pk)


@login_required
@require_POST
def fast_publish(request, pk: int):
    item: Item = get_in_scope(Item.objects.alive(), request.user, pk, "kepu.view")
    try:
        services.fast_publish(request.user, item)
        messages.success(request, _("已应急快速发布，事后审核已开始。"))
    except PermissionDenied as exc:
        return forbidden(exc, request)
    except ValidationError as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect("kepu:item-manage", pk=item.pk)
