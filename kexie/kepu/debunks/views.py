"""Staff pages of 科学辟谣: the list (filters, export), writing and editing (with 可能已有辟谣 as the claim is
typed), the debunk's page with publish / retract / reopen and its history. Querysets start from ``for_user``;
writes go through ``services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kexie.core.audit import history_for
from kexie.core.export import xlsx_response
from kexie.core.http import error_messages
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.kepu.debunks import services
from kexie.kepu.debunks.flow import FLOW
from kexie.kepu.debunks.forms import ActForm, DebunkForm, ManageFilter, RetractForm, SimilarForm, lenient
from kexie.kepu.debunks.similar import similar
from kexie.kepu.models import Debunk, DebunkStatus
from kexie.orgs.models import Organisation
from kexie.people.widgets import shown

COLUMNS = (
    Column("claim", gettext_lazy("流言"), ("claim",)),
    Column("verdict", gettext_lazy("结论"), ("verdict",)),
    Column("org", gettext_lazy("发布单位"), ("org__name",), "hide-sm"),
    Column("published", gettext_lazy("发布时间"), ("published_at",), "hide-sm"),
    Column("views", gettext_lazy("阅读量"), ("views",), "hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
)
EXPORT_MAX = 50_000


def _filtered(request: Any, action: str) -> tuple[QuerySet[Debunk], ManageFilter]:
    flt = ManageFilter(request.GET)
    data = lenient(flt)
    qs = Debunk.objects.for_user(request.user, action).alive().select_related("org")
    if data["verdict"]:
        qs = qs.filter(verdict=data["verdict"])
    if data["status"]:
        qs = qs.filter(status=data["status"])
    if data["q"]:
        qs = qs.filter(claim__icontains=str(data["q"])[:100])
    return qs, flt


def _writers(user: Any) -> list[Organisation]:
    return list(Organisation.objects.for_user(user, "kepu.change").alive().order_by("path")[:300])


@login_required
def manage_list(request):
    if scope_paths(request.user, "kepu.view") == []:
        raise PermissionDenied(_("您无权管理科学辟谣。"))
    qs, flt = _filtered(request, "kepu.view")
    can_create = scope_paths(request.user, "kepu.change") != []
    can_export = scope_paths(request.user, "kepu.export") != []
    table = Table(request, qs, COLUMNS, row_template="kepu/debunks/manage_list.html#row", filterset=flt,
                  table_id="debunks", default=("-created_at", "-id"),
                  export_url=reverse("kepu:debunks-export") if can_export else "",
                  empty=Empty(_("还没有科学辟谣。写下流传的说法、结论和解读，经专家审核后发布到公众辟谣栏目。"),
                              _("撰写辟谣") if can_create else "",
                              reverse("kepu:debunk-create") if can_create else "",
                              filtered=_("没有符合条件的辟谣。")))
    return render(request, "kepu/debunks/manage_list.html", {"table": table, "filter": flt,
                                                             "can_create": can_create})


@login_required
@require_GET
def manage_export(request):
    if scope_paths(request.user, "kepu.export") == []:
        raise PermissionDenied(_("您无权导出科学辟谣。"))
    qs, _flt = _filtered(request, "kepu.export")
    rows = qs.select_related("expert").order_by("-created_at", "-id")[:EXPORT_MAX]

    def lines():
        for d in rows.iterator(chunk_size=2000):
            yield [d.claim, d.get_verdict_display(), d.org.name, d.get_status_display(), d.published_at,
                   d.expert.name if d.expert else d.expert_name, d.views, "\n".join(d.source_lines)]

    headers = [_("流言"), _("结论"), _("发布单位"), _("状态"), _("发布时间"), _("审核专家"), _("阅读量"), _("依据来源")]
    return xlsx_response(_("科学辟谣"), _("科学辟谣"), headers, lines())


def _save(request: Any, form: DebunkForm, debunk: Debunk | None, orgs: list[Organisation]) -> Debunk | None:
    data = form.service_data()
    try:
        if debunk is None:
            org = next((o for o in orgs if o.pk == form.cleaned_data["org"]), None)
            if org is None:
                raise ValidationError(_("请选择发布单位。"))
            return services.create_debunk(request.user, org=org, **data)
        return services.edit_debunk(request.user, debunk, **data)
    except (ValidationError, PermissionDenied) as exc:
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            for m in error_messages(exc):
                form.add_error(None, m)
    return None


@login_required
def create(request):
    orgs = _writers(request.user)
    if not orgs:
        raise PermissionDenied(_("您无权撰写科学辟谣。"))
    form = DebunkForm(request.POST or None, user=request.user, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        debunk = _save(request, form, None, orgs)
        if debunk is not None:
            messages.success(request, _("辟谣草稿已保存。"))
            return redirect("kepu:debunk-manage", pk=debunk.pk)
    return render(request, "kepu/debunks/form.html", {"form": form, "debunk": None},
                  status=400 if form.errors else 200)


@login_required
def edit(request, pk: int):
    debunk: Debunk = get_in_scope(Debunk.objects.alive().select_related("expert"), request.user, pk, "kepu.change")
    if debunk.status == DebunkStatus.RETRACTED:
        messages.error(request, _("这条辟谣已撤回，请先“重新修改”再编辑。"))
        return redirect("kepu:debunk-manage", pk=debunk.pk)
    name, affiliation = services.split_signature(debunk.expert_name)
    initial = {"claim": debunk.claim, "verdict": debunk.verdict, "explanation": debunk.explanation,
               "sources": debunk.sources, "expert_name": name, "expert_affiliation": affiliation,
               "topics": list(debunk.topics.all()), "first_seen": debunk.first_seen}
    form = DebunkForm(request.POST or None, user=request.user, initial=initial)
    if request.method != "POST" and debunk.expert is not None:
        form.fields["expert"].widget.chosen = [debunk.expert]  # type: ignore[attr-defined]  # PersonPickerInput
        form.initial["expert"] = {"ids": [str(debunk.expert.pk)], "text": shown(debunk.expert)}
    if request.method == "POST" and form.is_valid():
        if _save(request, form, debunk, []) is not None:
            messages.success(request, _("已保存。"))
            return redirect("kepu:debunk-manage", pk=debunk.pk)
    return render(request, "kepu/debunks/form.html", {"form": form, "debunk": debunk},
                  status=400 if form.errors else 200)


@login_required
def detail(request, pk: int):
    debunk: Debunk = get_in_scope(Debunk.objects.select_related("org", "expert", "created_by"), request.user, pk,
                                  "kepu.view")
    alive = debunk.deleted_at is None
    can_change = alive and user_can(request.user, "kepu.change", debunk.org_path)
    can_publish = alive and user_can(request.user, "kepu.publish", debunk.org_path)
    history = list(history_for(debunk).order_by("-created_at", "-id")[:50])
    return render(request, "kepu/debunks/manage_detail.html", {
        "debunk": debunk, "flow": FLOW, "history": history, "retract_form": RetractForm(),
        "can_edit": (can_publish if debunk.status == DebunkStatus.PUBLISHED
                     else can_change and debunk.status == DebunkStatus.DRAFT),
        "can_publish": can_publish and FLOW.allows(debunk, "publish"),
        "can_retract": can_publish and FLOW.allows(debunk, "retract"),
        "can_reopen": can_change and FLOW.allows(debunk, "reopen"),
        "public": alive and debunk.status == DebunkStatus.PUBLISHED,
        "correction": services.correction_of(debunk) if debunk.status == DebunkStatus.RETRACTED else "",
    })


@login_required
@require_POST
def act(request, pk: int):
    debunk: Debunk = get_in_scope(Debunk.objects.alive(), request.user, pk, "kepu.change")
    form = ActForm(request.POST)
    action = form.cleaned_data["action"] if form.is_valid() else ""
    try:
        if action == "publish":
            services.publish(request.user, debunk)
            messages.success(request, _("已发布到公众辟谣栏目。"))
        elif action == "retract":
            retract = RetractForm(request.POST)
            if not retract.is_valid():
                raise ValidationError(_("请填写撤回原因和更正说明（不超过 %(n)s 个字）。") % {"n": services.REASON_MAX})
            services.retract(request.user, debunk, reason=retract.cleaned_data["reason"])
            messages.success(request, _("已撤回，公众页面显示更正说明。"))
        elif action == "reopen":
            services.reopen(request.user, debunk)
            messages.success(request, _("已退回草稿，可以修改后重新发布。"))
        else:
            raise ValidationError(_("未知的操作。"))
    except (ValidationError, PermissionDenied) as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect("kepu:debunk-manage", pk=debunk.pk)


@login_required
@require_GET
def similar_suggestions(request):
    """可能已有辟谣: the published debunks and the ones in the user's scope most like the typed claim (htmx)."""
    if scope_paths(request.user, "kepu.view") == []:
        raise PermissionDenied(_("您无权查看科学辟谣。"))
    form = SimilarForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {"claim": "", "exclude": None}
    base = Debunk.objects.filter(Q(pk__in=Debunk.objects.for_public().values("pk"))
                                 | Q(pk__in=Debunk.objects.for_user(request.user, "kepu.view").alive().values("pk")))
    found = similar(data["claim"] or "", limit=5, exclude=data["exclude"], base=base) if data["claim"] else []
    return render(request, "kepu/debunks/_similar.html", {"found": found, "asked": bool(data["claim"])})
