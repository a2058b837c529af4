"""Organisation tree, page, edit, soft delete and export — all through the scope helper."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.accounts.models import RoleAssignment
from kexie.core.audit import history_for
from kexie.core.export import xlsx_response
from kexie.core.http import bad_request, error_messages, join_messages
from kexie.core.scope import get_in_scope, prefix_q, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.exports import start as export_start
from kexie.exports.kinds import orgs as orgs_export
from kexie.members.models import GroupMembership, Membership
from kexie.orgs import services
from kexie.orgs.counts import subtree_people
from kexie.orgs.filters import OrganisationFilter
from kexie.orgs.forms import MoveForm, OrganisationForm
from kexie.orgs.models import Organisation
from kexie.orgs.widgets import SUGGESTIONS, matching, public_choices, shown
from kexie.people.models import Person

STEP = Organisation.steplen
_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")


def picker(request):
    """``orgs:picker``: the suggestions of an organisation picker (kexie.orgs.widgets) — organisations whose
    name contains, or whose code starts with, the typed text, in the caller's scope for the field's action
    (``public=1``: the public associations, for anonymous forms), as the ``<datalist>`` the field shows."""
    field = request.GET.get("field", "")
    field = field if _NAME.fullmatch(field) else "q"
    list_id = request.GET.get("list", "")
    list_id = list_id if _NAME.fullmatch(list_id) else "org-choices"
    text = " ".join(request.GET.get(field, request.GET.get("q", "")).replace("\x00", "").split())[:60]
    qs = Organisation.objects.none()
    if request.GET.get("public") == "1":
        qs = public_choices()
    elif request.user.is_authenticated:
        action = request.GET.get("action", "orgs.view")
        try:
            qs = Organisation.objects.for_user(request.user, action).alive()
        except ValueError:  # an unknown or malformed action code: no suggestions
            qs = Organisation.objects.none()
    kinds = [k for k in request.GET.get("kinds", "").split(",") if _NAME.fullmatch(k)]
    if kinds:
        qs = qs.filter(kind__category__in=kinds)
    found = list(matching(qs, text).select_related("kind").order_by("depth", "path")[:SUGGESTIONS]) if text else []
    response = render(request, "components/org_picker.html#choices",
                      {"list_id": list_id, "choices": [(shown(o), o) for o in found]})
    patch_vary_headers(response, ["Cookie"])
    return response


def _children_with_counts(user, org: Organisation | None):
    """Children (in scope) of ``org`` — or the user's top nodes — with subtree counts in two
    GROUP BY queries over the path prefix, not one query per child."""
    base = Organisation.objects.for_user(user).alive().select_related("kind", "region")
    if org is None:
        paths = scope_paths(user)
        nodes = list(base.filter(depth=1) if paths is None else base.filter(path__in=paths))
    else:
        nodes = list(base.filter(prefix_q("path", [org.path]), depth=org.depth + 1))
    if not nodes:
        return []
    depth_len = len(nodes[0].path)
    same_depth = all(len(n.path) == depth_len for n in nodes)
    paths = [n.path for n in nodes]
    orgs_under = Organisation.objects.alive().filter(prefix_q("path", paths))
    if same_depth:
        org_counts = dict(orgs_under.order_by().annotate(p=Substr("path", 1, depth_len)).values("p")
                          .annotate(n=Count("id")).values_list("p", "n"))
        people_counts = subtree_people(paths, depth_len)
    else:  # top nodes at different depths: count each
        org_counts = {p: orgs_under.filter(prefix_q("path", [p])).count() for p in paths}
        people_counts = subtree_people(paths)
    for n in nodes:
        n.subtree_orgs = org_counts.get(n.path, 1) - 1
        n.subtree_people = people_counts.get(n.path, 0)
    return nodes


@login_required
def tree(request):
    return render(request, "orgs/tree.html", {"nodes": _children_with_counts(request.user, None)})


@login_required
def children(request, pk: int):
    org = get_in_scope(Organisation.objects.alive(), request.user, pk)
    return render(request, "orgs/tree.html#children", {"nodes": _children_with_counts(request.user, org),
                                                       "parent": org})


@login_required
def detail(request, pk: int):
    org = get_in_scope(Organisation.objects.select_related("kind", "region"), request.user, pk)
    ancestors = [a for a in Organisation.objects.get_ancestors(org) if user_can(request.user, "orgs.view", a.path)]
    context = {
        "org": org,
        "ancestors": ancestors,
        "nodes": _children_with_counts(request.user, org) if not org.deleted_at else [],
        "people_count": subtree_people([org.path])[org.path],
        "direct_people": Person.objects.alive().filter(org=org).order_by("name")[:20],
        "bodies": org.bodies.prefetch_related("terms"),
        "history": history_for(org)[:50],
        "can_change": user_can(request.user, "orgs.change", org.path),
    }
    return render(request, "orgs/detail.html", context)


def _form_page(request, form, title, org=None):
    return render(request, "orgs/form.html", {"form": form, "title": title, "org": org})


@login_required
def edit(request, pk: int):
    org = get_in_scope(Organisation.objects.alive(), request.user, pk, "orgs.change")
    form = OrganisationForm(request.POST or None, instance=Organisation.objects.get(pk=org.pk))
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            services.update_organisation(request.user, org, data)
        except ValidationError as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
        else:
            messages.success(request, _("组织信息已保存。"))
            return redirect("orgs:detail", pk=org.pk)
    return _form_page(request, form, _("编辑：%(name)s") % {"name": org.name}, org)


@login_required
def create_child(request, pk: int):
    parent = get_in_scope(Organisation.objects.alive(), request.user, pk, "orgs.change")
    form = OrganisationForm(request.POST or None, initial={"region": parent.region_id})
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            child = services.create_organisation(request.user, parent, data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, str(exc) if isinstance(exc, PermissionDenied) else join_messages(error_messages(exc)))
        else:
            messages.success(request, _("已新建下级组织“%(name)s”。") % {"name": child.name})
            return redirect("orgs:detail", pk=child.pk)
    return _form_page(request, form, _("新建下级组织：%(name)s") % {"name": parent.name}, parent)


def _deletion(org: Organisation) -> dict:
    """What deleting ``org`` would touch, and why it is refused (the service's own rules, read ahead)."""
    children = Organisation.objects.alive().filter(prefix_q("path", [org.path]), depth=org.depth + 1).count()
    refusals = []
    if org.depth == 1:
        refusals.append(_("不能删除顶级组织。"))
    if children:
        refusals.append(_("该组织仍有下级组织，请先删除或迁移下级组织。"))
    return {
        "children": children,
        "people": Person.objects.alive().filter(org=org).count(),
        "memberships": Membership.objects.filter(society=org, deleted_at__isnull=True).count(),
        "group_members": GroupMembership.objects.filter(Q(society=org) | Q(member=org), deleted_at__isnull=True)
        .count(),
        "bodies": org.bodies.count(),
        "roles": RoleAssignment.objects.filter(organisation=org).count(),
        "refusals": refusals,
    }


@login_required
def delete(request, pk: int):
    """GET: what deleting the organisation means (its children, people, memberships, roles) and whether it is
    refused; POST: delete through the service (soft delete, restorable)."""
    org = get_in_scope(Organisation.objects.alive().select_related("kind"), request.user, pk, "orgs.change")
    if request.method == "POST":
        try:
            services.delete_organisation(request.user, org)
        except ValidationError as exc:
            messages.error(request, join_messages(error_messages(exc)))
        else:
            messages.success(request, _("已删除“%(name)s”，可在组织页面恢复。") % {"name": org.name})
        return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/delete.html", {"org": org, **_deletion(org)})


@login_required
@require_POST
def restore(request, pk: int):
    org = get_in_scope(Organisation.objects.all(), request.user, pk, "orgs.change")
    try:
        services.restore_organisation(request.user, org)
    except ValidationError as exc:
        messages.error(request, join_messages(error_messages(exc)))
    else:
        messages.success(request, _("已恢复“%(name)s”。") % {"name": org.name})
    return redirect("orgs:detail", pk=org.pk)


MOVE_CANDIDATES = 30


def _move_candidates(user, org: Organisation, query: str) -> tuple[list[Organisation], bool]:
    """Possible new parents: live organisations the user may change, outside the moved subtree,
    other than the current parent."""
    qs = (Organisation.objects.for_user(user, "orgs.change").alive().select_related("kind")
          .exclude(prefix_q("path", [org.path])).exclude(path=org.path[:-STEP]))
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(short_name__icontains=query) | Q(code__iexact=query))
    rows = list(qs[: MOVE_CANDIDATES + 1])
    return rows[:MOVE_CANDIDATES], len(rows) > MOVE_CANDIDATES


@login_required
def move(request, pk: int):
    """Choose a new parent (searched within the user's scope), confirm with what moves, then POST."""
    org = get_in_scope(Organisation.objects.alive().select_related("kind"), request.user, pk, "orgs.change")
    form = MoveForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():  # a target that is no id: the same answer as a missing organisation
        raise Http404(_("记录不存在或您无权访问。"))
    query, target_id = form.cleaned_data["q"], form.cleaned_data["target"]
    target = None
    if target_id:
        target = get_in_scope(Organisation.objects.alive().select_related("kind"), request.user, target_id, "orgs.change")
    error = ""
    if request.method == "POST":
        if target is None:
            error = _("请选择新的上级组织。")
        else:
            try:
                services.move(request.user, org, target)
            except PermissionDenied as exc:
                error = str(exc)
            except ValidationError as exc:
                error = join_messages(error_messages(exc))
            else:
                messages.success(request, _("已将“%(org)s”迁移到“%(target)s”之下。") % {"org": org.name,
                                                                               "target": target.name})
                return redirect("orgs:detail", pk=org.pk)
    parent = Organisation.objects.get_parent(org)
    context = {"org": org, "q": query, "target": target, "error": error, "is_root": org.depth == 1,
               "current_parent": parent if parent and user_can(request.user, "orgs.view", parent.path) else None}
    if target is not None:
        context["moving_orgs"] = Organisation.objects.alive().filter(prefix_q("path", [org.path])).count()
        context["moving_people"] = subtree_people([org.path])[org.path]
    elif not context["is_root"]:
        context["candidates"], context["more"] = _move_candidates(request.user, org, query)
    partial = request.htmx and request.method == "GET" and target is None
    template = "orgs/move.html#candidates" if partial else "orgs/move.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _filtered(request, action: str):
    qs = Organisation.objects.for_user(request.user, action).alive().select_related("kind", "region")
    under = request.GET.get("under")
    if under:
        root = get_in_scope(Organisation.objects.all(), request.user, under, action)
        qs = qs.filter(prefix_q("path", [root.path]))
    return OrganisationFilter(request.GET, queryset=qs, request=request)


LIST_COLUMNS = (
    Column("name", gettext_lazy("名称"), ("name",)),
    Column("kind", gettext_lazy("类型"), ("kind__label",)),
    Column("level", gettext_lazy("层级"), ("depth",)),
    Column("region", gettext_lazy("地区"), ("region__code",), "hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",), "hide-sm"),
)


@login_required
def org_list(request):
    f = _filtered(request, "orgs.view")
    table = Table(request, f.qs, LIST_COLUMNS, row_template="orgs/list.html#row", filterset=f,
                  export_url=reverse("orgs:export"), empty=Empty(
                      _("您的范围内还没有组织。"), _("导入组织"), reverse("imports:list"),
                      filtered=_("没有符合条件的组织。")))
    return render(request, "orgs/list.html", {"filter": f, "table": table})


@login_required
def export(request):
    f = _filtered(request, "orgs.export")
    if not f.is_valid():
        return bad_request(request, _("筛选条件有误，无法导出。"))
    # Large lists run as a background job (decision 0033); both paths write kexie.exports.kinds.orgs' rows.
    if export_start.too_large(f.qs):
        return export_start.background(request, "orgs")
    try:
        headers, _total, rows = orgs_export.rows(request.user, request.GET)
    except ValidationError:
        return bad_request(request, _("筛选条件有误，无法导出。"))
    return xlsx_response(_("组织列表"), _("组织"), headers, rows)
