"""中央厨房 (kepu:library): published items of organisations above the user's and of the province level, with 采用
and 转载为草稿 for the adopting organisation chosen on the page, and 取消采用 (asks first)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.http import error_messages, to_id
from kexie.core.scope import get_in_scope, scope_paths
from kexie.core.tables import Column, Empty, Table
from kexie.kepu.content import library
from kexie.kepu.content.forms import AdopterForm, LibraryActForm, change_orgs
from kexie.kepu.models import Adoption, Item
from kexie.orgs.models import Organisation

COLUMNS = (
    Column("title", gettext_lazy("标题"), ("title",)),
    Column("org", gettext_lazy("来源单位"), ("org__name",), "hide-sm"),
    Column("published", gettext_lazy("发布时间"), ("published_at",), "hide-sm"),
    Column("actions", gettext_lazy("操作")),
)


def _adopter(request: Any) -> tuple[AdopterForm, Organisation | None]:
    form = AdopterForm(request.GET or None, user=request.user)
    org = None
    if form.is_bound and form.is_valid():
        org = form.cleaned_data["org"]
    if org is None:
        org = change_orgs(request.user).order_by("depth", "path").first()
    return form, org


@login_required
def library_page(request: Any) -> HttpResponse:
    if scope_paths(request.user, "kepu.change") == []:
        raise PermissionDenied(_("中央厨房供撰写科普作品的工作人员采用和转载，您无权使用。"))
    form, org = _adopter(request)
    qs = library.library(request.user).select_related("org").order_by("-published_at", "-id")
    q = str(request.GET.get("q") or "").replace("\x00", "").strip()[:100]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    if org is not None:
        qs = qs.exclude(org=org)
    table = Table(request, qs, COLUMNS, row_template="kepu/content/library.html#row", table_id="kepu-library",
                  empty=Empty(_("中央厨房暂无可采用的作品：上级科协和省级单位发布的作品会出现在这里。")))
    rows = list(table.page.object_list)
    table.page.object_list = rows
    ids = [i.pk for i in rows]
    adopted: dict[int, int] = {}
    copies: dict[int, int] = {}
    if org is not None and ids:
        adopted = dict(Adoption.objects.filter(org=org, item_id__in=ids).values_list("item_id", "pk"))
        copies = dict(Item.objects.alive().filter(org=org, origin_id__in=ids).values_list("origin_id", "pk"))
    for row in rows:  # what the row partial shows for the adopting organisation
        setattr(row, "adopted_pk", adopted.get(row.pk))  # noqa: B010 - not a model field
        setattr(row, "copy_pk", copies.get(row.pk))  # noqa: B010 - not a model field
    return render(request, "kepu/content/library.html", {
        "table": table, "form": form, "org": org, "q": q,
        "adoptions": Adoption.objects.filter(org=org).select_related("item", "item__org")[:100] if org else [],
    })


def _back(org: Organisation | None) -> str:
    url = reverse("kepu:library")
    return f"{url}?{urlencode({'org': org.pk})}" if org is not None else url


@login_required
@require_POST
def library_act(request, pk: int):
    item = library.library(request.user).filter(pk=to_id(pk) or 0).first()
    if item is None:
        raise Http404(_("该作品不在中央厨房中。"))
    form = LibraryActForm(request.POST)
    adopter = AdopterForm({"org": request.POST.get("org", "")}, user=request.user)
    if not form.is_valid() or not adopter.is_valid() or adopter.cleaned_data["org"] is None:
        messages.error(request, _("请选择采用单位后再操作。"))
        return redirect(_back(None))
    org: Organisation = adopter.cleaned_data["org"]
    try:
        if form.cleaned_data["action"] == "adopt":
            library.adopt(request.user, item, org)
            messages.success(request, _("已采用：作品将在%(org)s的频道中展示，并注明来源：%(src)s。") % {
                "org": org.name, "src": item.org.name})
        else:
            copy = library.republish(request.user, item, org)
            messages.success(request, _("已转载为%(org)s的草稿，修改后提交审核。") % {"org": org.name})
            return redirect("kepu:item-manage", pk=copy.pk)
    except (ValidationError, PermissionDenied) as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect(_back(org))


@login_required
@require_POST
def adoption_remove(request, pk: int):
    adoption: Adoption = get_in_scope(Adoption.objects.select_related("org"), request.user, pk, "kepu.change")
    try:
        library.unadopt(request.user, adoption)
    except (ValidationError, PermissionDenied) as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    else:
        messages.success(request, _("已取消采用。"))
    return redirect(_back(adoption.org))
