"""Pages of expert libraries: the libraries, a library's experts, availability."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.calls.experts import services
from kexie.calls.experts.forms import (
    AddExpertsForm,
    AvailabilityForm,
    ExpertListFilter,
    LibraryForm,
    LibraryListFilter,
    OwnerForm,
)
from kexie.calls.formfields import filter_values, first_error
from kexie.calls.models import (
    Expert,
    ExpertLibrary,
)
from kexie.calls.pages import _refuse
from kexie.core.http import error_messages
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.orgs.models import Organisation
from kexie.people.models import Person

LIBRARY_COLUMNS = (
    Column("name", gettext_lazy("名称"), ("name",)),
    Column("owner", gettext_lazy("管理单位"), ("owner__name",)),
    Column("n", gettext_lazy("专家数"), ("n",), "num"),
)
EXPERT_COLUMNS = (
    Column("name", gettext_lazy("姓名"), ("person__name",)),
    Column("employer", gettext_lazy("工作单位"), ("person__employer_name",)),
    Column("title", gettext_lazy("职称"), ("person__title",), "hide-sm"),
    Column("expertise", gettext_lazy("专业特长"), css="hide-sm"),
    Column("available", gettext_lazy("可参加评审"), ("available",)),
    Column("past", gettext_lazy("累计评审数"), ("past_reviews",), "num"),
    Column("assigned", gettext_lazy("当前分配"), ("assigned",), "num"),
    Column("max", gettext_lazy("每批次最多评审数"), ("max_per_call",), "num"),
)


@login_required
def libraries(request):
    libs = ExpertLibrary.objects.for_user(request.user).alive().select_related("owner").annotate(
        n=Count("experts")).order_by("org_path", "name")
    form = LibraryForm(request.POST or None)
    owner_form = OwnerForm(request.POST or None,
                             owners=Organisation.objects.for_user(request.user, "calls.change").alive())
    if request.method == "POST" and form.is_valid():
        if not owner_form.is_valid():
            form.add_error(None, _("请选择管理单位。"))
        else:
            try:
                lib = services.create_library(request.user, owner=owner_form.cleaned_data["owner"],
                                              name=form.cleaned_data["name"],
                                              description=form.cleaned_data["description"])
                return redirect("calls:library", pk=lib.pk)
            except (ValidationError, PermissionDenied) as exc:
                for m in error_messages(exc):
                    form.add_error(None, m)
    owners = Organisation.objects.for_user(request.user, "calls.change").alive().order_by("path")[:200]
    flt = LibraryListFilter(request.GET)
    q = filter_values(flt).get("q")
    if q:
        libs = libs.filter(name__contains=q)
    can_create = scope_paths(request.user, "calls.change") != []
    table = Table(request, libs, LIBRARY_COLUMNS, row_template="calls/libraries.html#row", filterset=flt,
                  table_id="libraries", default=("org_path", "name"), empty=Empty(
                      _("还没有评审专家库。新建专家库后，从人员库加入专家，再在申报批次中选用。"),
                      _("新建专家库") if can_create else "", "#new-library" if can_create else "",
                      filtered=_("没有符合条件的专家库。")))
    return render(request, "calls/libraries.html", {"table": table, "filter": flt, "page": table.page,
                                                    "form": form, "owners": owners})


@login_required
def library_detail(request, pk: int):
    lib: ExpertLibrary = get_in_scope(ExpertLibrary.objects.alive().select_related("owner"), request.user, pk)
    can_change = user_can(request.user, "calls.change", lib.org_path)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("您无权在该组织范围内执行此操作。"))
        form = AddExpertsForm(request.POST)
        ids = form.cleaned_data["people"] if form.is_valid() else []
        people = list(Person.objects.for_user(request.user).alive().filter(pk__in=ids))
        if not ids or len(people) != len(set(ids)):
            messages.error(request, _("部分人员不存在或不在您的范围内。"))
        else:
            n = services.add_experts(request.user, lib, people)
            messages.success(request, _("已加入 %(n)s 位专家。") % {"n": n})
        return redirect("calls:library", pk=lib.pk)
    experts = lib.experts.select_related("person", "person__employer").annotate(
        assigned=Count("person__review_assignments", filter=Q(person__review_assignments__status="assigned")))
    flt = ExpertListFilter(request.GET)
    d = filter_values(flt)
    if d.get("q"):
        experts = experts.filter(Q(person__name__contains=d["q"]) | Q(person__employer_name__contains=d["q"]))
    if d.get("available"):
        experts = experts.filter(available=d["available"] == "1")
    table = Table(request, experts, EXPERT_COLUMNS, row_template="calls/library.html#row", filterset=flt,
                  table_id="experts", default=("id",), empty=Empty(
                      _("专家库中还没有专家。输入人员库中的人员编号，把他们加入专家库。"),
                      _("从人员库加入专家") if can_change else "", "#add-experts" if can_change else "",
                      filtered=_("没有符合条件的专家。")))
    return render(request, "calls/library.html", {"lib": lib, "table": table, "filter": flt, "page": table.page,
                                                  "can_change": can_change})


@login_required
@require_POST
def expert_availability(request, pk: int):
    expert: Expert = get_in_scope(Expert.objects.select_related("person"), request.user, pk, "calls.change")
    form = AvailabilityForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        d = form.cleaned_data
        services.set_availability(request.user, expert, available=d["available"] == "1", until=d["until"],
                                  max_per_call=d["max_per_call"])
        messages.success(request, _("已保存。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:library", pk=expert.library_id)
