"""Staff pages of 科普作品 authoring: the list (kepu:manage) and its export, create and edit (with the edit
lock), the staff page of an item (kepu:item-manage, which also shows the review and emergency panels) and the
versions with their visible diff. Lists start from ``for_user(…, "kepu.view")``; records from ``get_in_scope``;
writes go through ``kexie.kepu.content.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.export import xlsx_response
from kexie.core.http import error_messages, to_id
from kexie.core.scope import get_in_scope, prefix_q, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.kepu.content import diff, media, services
from kexie.kepu.content.forms import ItemFilter, ItemForm, MediaForm
from kexie.kepu.content.pages import editable, preview
from kexie.kepu.models import Item

EXPORT_CAP = 50_000
COLUMNS = (
    Column("title", gettext_lazy("标题"), ("title",)),
    Column("kind", gettext_lazy("形式"), ("kind",), "hide-sm"),
    Column("org", gettext_lazy("发布单位"), ("org__name",), "hide-sm"),
    Column("version", gettext_lazy("版本"), ("version",), "num hide-sm"),
    Column("updated", gettext_lazy("更新时间"), ("updated_at",), "hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
)


def _filtered(request: Any, action: str) -> tuple[QuerySet[Item], ItemFilter]:
    flt = ItemFilter(request.GET, user=request.user)
    data = flt.values()
    qs = Item.objects.for_user(request.user, action).alive().select_related("org")
    if data["status"]:
        qs = qs.filter(status=data["status"])
    if data["kind"]:
        qs = qs.filter(kind=data["kind"])
    if data["topic"]:
        qs = qs.filter(topics=data["topic"])
    if data["audience"]:
        qs = qs.filter(audiences=data["audience"])
    if data["org"]:
        qs = qs.filter(prefix_q("org_path", [data["org"].path]))
    if data["q"]:
        qs = qs.filter(title__icontains=data["q"])
    return qs, flt


@login_required
def manage(request):
    if scope_paths(request.user, "kepu.view") == []:
        raise PermissionDenied(_("您无权管理科普作品。"))
    qs, flt = _filtered(request, "kepu.view")
    can_create = scope_paths(request.user, "kepu.change") != []
    can_export = scope_paths(request.user, "kepu.export") != []
    table = Table(request, qs, COLUMNS, row_template="kepu/content/manage.html#row", filterset=flt,
                  table_id="kepu-items", default=("-updated_at", "-id"),
                  export_url=reverse("kepu:manage-export") if can_export else "",
                  empty=Empty(_("还没有科普作品。撰写作品并送审，审核通过后发布到科普频道。"),
                              _("撰写作品") if can_create else "",
                              reverse("kepu:item-create") if can_create else "",
                              filtered=_("没有符合条件的科普作品。")))
    return render(request, "kepu/content/manage.html", {"table": table, "filter": flt, "can_create": can_create})


@login_required
def manage_export(request):
    if scope_paths(request.user, "kepu.export") == []:
        raise PermissionDenied(_("您无权导出科普作品。"))
    qs, _flt = _filtered(request, "kepu.export")
    headers = [_("编号"), _("标题"), _("形式"), _("发布单位"), _("状态"), _("版本"), _("发布时间"), _("阅读量"),
               _("读者数"), _("转载自")]
    rows = ([i.pk, i.title, i.get_kind_display(), i.org.name, i.get_status_display(), i.version, i.published_at,
             i.views, i.readers, i.origin_id or ""]
            for i in qs.order_by("-updated_at", "-id")[:EXPORT_CAP].iterator(chunk_size=2000))
    return xlsx_response("kepu-items", _("科普作品"), headers, rows)


@login_required
def item_create(request):
    if scope_paths(request.user, "kepu.change") == []:
        raise PermissionDenied(_("您无权撰写科普作品。"))
    form = ItemForm(request.POST or None, user=request.user,
                    initial={"incident": to_id(request.GET.get("incident"))})  # 新建应急作品 from an incident page
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_item(request.user, org=form.cleaned_data["org"], **form.item_fields())
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("草稿已保存。上传图片或音视频后可插入正文，完成后提交审核。"))
            return redirect("kepu:item-manage", pk=item.pk)
    return render(request, "kepu/content/form.html", {"form": form, "item": None, "media": []},
                  status=400 if form.errors else 200)


def _add_errors(form: Any, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for m in error_messages(exc):
            form.add_error(None, m)


def _initial(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(item, f) for f in services.PLAIN_FIELDS}
    data.update(incident=item.incident_id, disciplines=list(item.disciplines.all()), topics=list(item.topics.all()),
                audiences=list(item.audiences.all()), regions=list(item.regions.all()))
    return data


@login_required
def item_edit(request, pk: int):
    item: Item = get_in_scope(Item.objects.alive().select_related("org", "locked_by"), request.user, pk,
                              "kepu.change")
    if request.method != "POST":
        try:
            item = services.acquire_lock(request.user, item)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                messages.error(request, m)
            return redirect("kepu:item-manage", pk=item.pk)
    form = ItemForm(request.POST or None, user=request.user, editing=True, initial=_initial(item))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_item(request.user, item, note=form.cleaned_data.get("note") or "", **form.item_fields())
            if "done" in request.POST:
                services.release_lock(request.user, item)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            if "done" in request.POST:
                return redirect("kepu:item-manage", pk=item.pk)
            return redirect("kepu:item-edit", pk=item.pk)
    files = [{"url": media.url_of(m), "caption": m.caption or m.file.name.rsplit("/", 1)[-1]}
             for m in item.media.filter(kind="image")]
    return render(request, "kepu/content/form.html", {"form": form, "item": item, "media": files},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def item_unlock(request, pk: int):
    item: Item = get_in_scope(Item.objects.all(), request.user, pk, "kepu.change")
    services.release_lock(request.user, item)
    messages.success(request, _("已结束编辑。"))
    return redirect("kepu:item-manage", pk=item.pk)


@login_required
def item_manage(request, pk: int):
    item: Item = get_in_scope(Item.objects.select_related("org", "author", "locked_by", "incident", "origin__org"),
                              request.user, pk, "kepu.view")
    can_edit, refusal = editable(request.user, item)
    context = {
        "item": item, "body": preview(item.body), "can_edit": can_edit, "refusal": refusal,
        "holds_lock": item.locked_by_id == request.user.pk and not services.lock_held_by_other(item, request.user)
                      and item.locked_until is not None,
        "media": [{"obj": m, "url": media.url_of(m)} for m in item.media.select_related("uploaded_by")],
        "media_form": MediaForm() if can_edit else None,
        "events": item.events.select_related("actor").order_by("-at", "-id")[:200],
        "adoptions": item.adoptions.select_related("org")[:50],
        "tags": {"disciplines": list(item.disciplines.all()), "topics": list(item.topics.all()),
                 "audiences": list(item.audiences.all()), "regions": list(item.regions.all())},
        "can_change": user_can(request.user, "kepu.change", item.org_path),
    }
    return render(request, "kepu/content/item.html", context)


@login_required
def item_versions(request, pk: int):
    item: Item = get_in_scope(Item.objects.select_related("org"), request.user, pk, "kepu.view")
    versions = list(item.versions.select_related("created_by").order_by("-number")[:500])
    by_number = {v.number: v for v in versions}
    new = by_number.get(to_id(request.GET.get("b")) or 0) or (versions[0] if versions else None)
    old_default = next((v for v in versions if new and v.number < new.number), None)
    old = by_number.get(to_id(request.GET.get("a")) or 0) or old_default
    compare: dict[str, Any] | None = None
    if old is not None and new is not None and old.number != new.number:
        compare = {"old": old, "new": new, "title": diff.diff_line(old.title, new.title),
                   "summary": diff.diff_line(old.summary, new.summary), "body": diff.diff_bodies(old.body, new.body)}
        compare["changed"] = any(diff.changed(compare[k]) for k in ("title", "summary", "body"))
    return render(request, "kepu/content/versions.html", {"item": item, "versions": versions, "compare": compare})

