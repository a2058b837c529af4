"""Pages of 点火 (工作站). Thin: input through ``forms``, writes in ``services``; the buttons follow
``Station.WORKFLOW`` and the user's change scope."""

from __future__ import annotations

import datetime as dt
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

from kexie.core.export import xlsx_response
from kexie.core.http import error_messages
from kexie.core.scope import get_in_scope, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.innovation.formfields import ActionForm, cleaned, form_errors, lenient
from kexie.innovation.models import Station, StationKind, StationYear
from kexie.innovation.stations import services as svc
from kexie.innovation.stations.forms import (
    FIELDS,
    StationActForm,
    StationFilter,
    StationForm,
    enterprise_choices,
    owner_choices,
)
from kexie.people.models import Person

FLOW = Station.WORKFLOW
SUGGESTED = 300  # enterprise names offered as suggestions; any verified enterprise in scope resolves when typed
STATION_COLUMNS = (
    Column("name", gettext_lazy("名称"), ("name",)),
    Column("kind", gettext_lazy("类型"), ("kind",)),
    Column("host", gettext_lazy("依托单位"), ("host_name",), "hide-sm"),
    Column("owner", gettext_lazy("管理科协"), ("owner__name",), "hide-sm"),
    Column("end", gettext_lazy("协议结束"), ("agreement_end",)),
    Column("residents", gettext_lazy("在站专家数"), ("resident_count",), "num"),
    Column("status", gettext_lazy("状态"), ("status",)),
)


def _filtered(request: Any, action: str = "innovation.view") -> tuple[StationFilter, Any]:
    """The stations of the list and of its export, as the list's filter narrows them."""
    qs = Station.objects.for_user(request.user, action).alive().select_related("owner", "society")
    flt = StationFilter(request.GET)
    data = lenient(flt)
    if data["kind"]:
        qs = qs.filter(kind=data["kind"])
    if data["status"]:
        qs = qs.filter(status=data["status"])
    q = (data["q"] or "").strip()[:60]
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(host_name__contains=q))
    return flt, qs.annotate(resident_count=Count("residents", filter=Q(residents__left_on__isnull=True)))


def _values(data: dict[str, Any]) -> dict[str, Any]:
    """The service's arguments from the form (the society and the host enterprise already resolved in the user's
    scope by the form's fields)."""
    values: dict[str, Any] = {k: data[k] for k in FIELDS}
    values["society"], values["host_enterprise"] = data["society"], data["host_enterprise"]
    return values


@login_required
def station_list(request):
    flt, qs = _filtered(request)
    can_create = owner_choices(request.user).exists()
    table = Table(request, qs.order_by("org_path", "name", "pk"), STATION_COLUMNS,
                  row_template="innovation/stations.html#row", filterset=flt, table_id="stations",
                  export_url=reverse("innovation:station-export"), empty=Empty(
                      _("暂无工作站。登记院士专家工作站、海智工作站等，记录在站专家和年度成效。"),
                      _("登记第一个工作站") if can_create else "", reverse("innovation:station-create") if can_create else "",
                      filtered=_("没有符合条件的工作站。")))
    return render(request, "innovation/stations.html", {"table": table, "filter": flt, "can_create": can_create})


@login_required
def station_export(request):
    qs = _filtered(request, "innovation.export")[1].order_by("org_path", "name", "pk")
    last_year = timezone.localdate().year - 1
    years = {y.station_id: y for y in StationYear.objects.filter(station__in=qs.values("pk"), year=last_year)}
    headers = [_("名称"), _("类型"), _("依托单位"), _("管理科协"), _("合作学会"), _("协议开始"), _("协议结束"),
               _("状态"), _("在站专家数"), _("年度"), _("合作项目数"), _("专利数"), _("培养人才数"),
               _("新增产值（万元）")]

    def rows():
        for s in qs.iterator(chunk_size=1000):
            y = years.get(s.pk)
            yield [s.name, s.get_kind_display(), s.host_name, s.owner.name, s.society.name if s.society else "",
                   s.agreement_start, s.agreement_end, s.get_status_display(), s.resident_count, last_year,
                   y.projects if y else None, y.patents if y else None, y.trained if y else None,
                   float(y.revenue) if y else None]

    return xlsx_response(_("工作站"), _("工作站"), headers, rows())


def _form_context(request: Any, form: StationForm, station: Station | None, errors: list[str]) -> dict[str, Any]:
    """The page with the values sent (a bound form) or the station's own."""
    def value(name: str, default: Any) -> Any:
        v = form[name].value() if form.is_bound else default
        return v.isoformat() if isinstance(v, dt.date) else ("" if v is None else str(v))

    initial = {k: value(k, getattr(station, k, "") if station else "") for k in FIELDS}
    if not form.is_bound and station is not None:
        form.initial.update(society=station.society, host_enterprise=station.host_enterprise.name
                            if station.host_enterprise else "")
    return {"station": station, "v": initial, "errors": errors, "kinds": StationKind.choices, "form": form,
            "enterprise_names": list(enterprise_choices(request.user).order_by("name")
                                     .values_list("name", flat=True)[:SUGGESTED])}


@login_required
def station_create(request):
    if not owner_choices(request.user).exists():
        raise PermissionDenied(_("您无权登记工作站。"))
    form = StationForm(request.POST if request.method == "POST" else None, user=request.user)
    errors: list[str] = []
    if request.method == "POST":
        try:
            data = cleaned(form)
            if data["owner"] is None:
                raise ValidationError(_("请选择管理科协。"))
            station = svc.create_station(request.user, owner=data["owner"], **_values(data))
            messages.success(request, _("工作站已登记。"))
            return redirect("innovation:station", pk=station.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "innovation/station_form.html", _form_context(request, form, None, errors),
                  status=400 if errors else 200)


@login_required
def station_edit(request, pk: int):
    station: Station = get_in_scope(Station.objects.alive(), request.user, pk, "innovation.change")
    form = StationForm(request.POST if request.method == "POST" else None, user=request.user)
    errors: list[str] = []
    if request.method == "POST":
        try:
            svc.edit_station(request.user, station, **_values(cleaned(form)))
            messages.success(request, _("已保存。"))
            return redirect("innovation:station", pk=station.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "innovation/station_form.html", _form_context(request, form, station, errors),
                  status=400 if errors else 200)


@login_required
def station_detail(request, pk: int):
    station: Station = get_in_scope(Station.objects.select_related("owner", "society", "host_enterprise"),
                                    request.user, pk)
    staff = user_can(request.user, "innovation.change", station.org_path)
    residents = station.residents.select_related("person").order_by("left_on", "joined_on", "pk")
    live = station.deleted_at is None
    return render(request, "innovation/station.html", {
        "s": station, "staff": staff, "residents": residents, "years": station.years.order_by("-year"),
        "this_year": timezone.localdate().year, "today": timezone.localdate().isoformat(), "flow": FLOW,
        "can_revoke": staff and live and FLOW.allows(station, "revoke"),
        "can_add_resident": staff and live and FLOW.allows(station, "add_resident")})


@login_required
@require_POST
def station_act(request, pk: int):
    station: Station = get_in_scope(Station.objects.all(), request.user, pk, "innovation.change")
    action = ActionForm(request.POST).value()
    user = request.user
    try:
        form = StationActForm(request.POST)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        data = form.cleaned_data
        if action in ("add_resident", "remove_resident"):
            person = Person.objects.alive().filter(pk=data["person"]).first() if data["person"] else None
            if person is None:
                raise ValidationError(_("没有这位专家。"))
            if action == "add_resident":
                svc.add_resident(user, station, person, role=data["role"], joined_on=data["joined_on"])
            else:
                svc.remove_resident(user, station, person, data["left_on"])
        elif action == "year":
            svc.record_year(user, station, data["year"] or 0, **{k: data[k] for k in svc.YEAR_FIELDS})
        elif action == "revoke":
            svc.revoke_station(user, station, data["reason"])
        elif action == "delete":
            svc.delete_station(user, station)
        elif action == "restore":
            svc.restore_station(user, station)
        else:
            raise ValidationError(_("未知的操作。"))
        messages.success(request, _("已保存。"))
    except (ValidationError, PermissionDenied) as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect("innovation:station", pk=station.pk)
