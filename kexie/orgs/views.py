"""Organisation tree, page, edit, soft delete and export — all through the scope helper."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.db.models.functions import Substr
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kexie.core.audit import history_for
from kexie.core.export import xlsx_response
from kexie.core.http import error_messages, paginate
from kexie.core.scope import get_in_scope, prefix_q, scope_paths, user_can
from kexie.orgs import services
from kexie.orgs.counts import subtree_people
from kexie.orgs.filters import OrganisationFilter
from kexie.orgs.forms import OrganisationForm
from kexie.orgs.models import Organisation
from kexie.people.models import Person

STEP = Organisation.steplen


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
    ancestors = [a for a in Organisation.objects.get_ancestors(org) if user_can(request.user, "view", a.path)]
    context = {
        "org": org,
        "ancestors": ancestors,
        "nodes": _children_with_counts(request.user, org) if not org.deleted_at else [],
        "people_count": subtree_people([org.path])[org.path],
        "direct_people": Person.objects.alive().filter(org=org).order_by("name")[:20],
        "bodies": org.bodies.prefetch_related("terms"),
        "history": history_for(org)[:50],
        "can_change": user_can(request.user, "change", org.path),
    }
    return render(request, "orgs/detail.html", context)


def _form_page(request, form, title, org=None):
    return render(request, "orgs/form.html", {"form": form, "title": title, "org": org})


@login_required
def edit(request, pk: int):
    org = get_in_scope(Organisation.objects.alive(), request.user, pk, "change")
    form = OrganisationForm(request.POST or None, instance=Organisation.objects.get(pk=org.pk))
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            services.update_organisation(request.user, org, data)
        except ValidationError as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
        else:
            messages.success(request, "组织信息已保存。")
            return redirect("orgs:detail", pk=org.pk)
    return _form_page(request, form, f"编辑：{org.name}", org)


@login_required
def create_child(request, pk: int):
    parent = get_in_scope(Organisation.objects.alive(), request.user, pk, "change")
    form = OrganisationForm(request.POST or None, initial={"region": parent.region_id})
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            child = services.create_organisation(request.user, parent, data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, str(exc) if isinstance(exc, PermissionDenied) else "；".join(error_messages(exc)))
        else:
            messages.success(request, f"已新建下级组织“{child.name}”。")
            return redirect("orgs:detail", pk=child.pk)
    return _form_page(request, form, f"新建下级组织：{parent.name}", parent)


@login_required
@require_POST
def delete(request, pk: int):
    org = get_in_scope(Organisation.objects.alive(), request.user, pk, "change")
    try:
        services.delete_organisation(request.user, org)
    except ValidationError as exc:
        messages.error(request, "；".join(error_messages(exc)))
    else:
        messages.success(request, f"已删除“{org.name}”，可在组织页面恢复。")
    return redirect("orgs:detail", pk=org.pk)


@login_required
@require_POST
def restore(request, pk: int):
    org = get_in_scope(Organisation.objects.all(), request.user, pk, "change")
    try:
        services.restore_organisation(request.user, org)
    except ValidationError as exc:
        messages.error(request, "；".join(error_messages(exc)))
    else:
        messages.success(request, f"已恢复“{org.name}”。")
    return redirect("orgs:detail", pk=org.pk)


def _filtered(request, action: str):
    qs = Organisation.objects.for_user(request.user, action).alive().select_related("kind", "region")
    under = request.GET.get("under")
    if under:
        root = get_in_scope(Organisation.objects.all(), request.user, under, action)
        qs = qs.filter(prefix_q("path", [root.path]))
    return OrganisationFilter(request.GET, queryset=qs, request=request)


@login_required
def org_list(request):
    f = _filtered(request, "view")
    page = paginate(request, f.qs)
    return render(request, "orgs/list.html", {"filter": f, "page": page})


@login_required
def export(request):
    f = _filtered(request, "export")
    headers = ["组织编码", "名称", "类型", "层级", "所在地区", "统一社会信用代码", "状态", "评估等级", "成立日期",
               "党组织类型", "联系人", "联系电话", "地址"]
    rows = (
        (o.code, o.name, o.kind.name, o.get_level_display(), o.region.name if o.region else "", o.uscc,
         o.get_status_display(), o.grade, o.founded_on, o.get_party_org_type_display(), o.contact_name,
         o.contact_phone, o.address)
        for o in f.qs.iterator(chunk_size=2000)
    )
    return xlsx_response("组织列表", "组织", headers, rows)
