"""People list with search and filters, person page, edit, PII reveal, export."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.audit import history_for
from kexie.core.export import xlsx_response
from kexie.core.http import bad_request, client_ip, error_messages, join_messages
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.exports import start as export_start
from kexie.exports.kinds import people as people_export
from kexie.people import services
from kexie.people.filters import PersonFilter
from kexie.people.forms import PersonForm
from kexie.people.models import Person

PAGE_SIZE = 50
LIST_COLUMNS = (
    Column("name", gettext_lazy("姓名"), ("name",)),
    Column("gender", gettext_lazy("性别")),
    Column("born", gettext_lazy("出生日期"), ("birth_date",), "hide-sm"),
    Column("employer", gettext_lazy("工作单位")),
    Column("title", gettext_lazy("职称"), css="hide-sm"),
    Column("phone", gettext_lazy("手机号"), css="hide-sm"),
    Column("expertise", gettext_lazy("专业特长"), css="hide-sm"),
)


def _filtered(request, action: str) -> PersonFilter:
    qs = Person.objects.for_user(request.user, action).alive().select_related("org")
    return PersonFilter(request.GET, queryset=qs.order_by("-id"), request=request)


@login_required
def person_list(request):
    """The people page; htmx searches get only the results partial (same URL, hence Vary)."""
    f = _filtered(request, "people.view")
    template = "people/list.html#results" if request.htmx else "people/list.html"
    if not f.is_valid():
        # htmx swaps only 2xx answers: a partial with the message; a full page answers 400.
        response = render(request, template, {"filter": f, "page": None}, status=200 if request.htmx else 400)
    else:
        table = Table(request, f.qs, LIST_COLUMNS, row_template="people/list.html#row", filterset=f,
                      per_page=PAGE_SIZE, export_url=reverse("people:export"), empty=Empty(
                          _("没有符合条件的人员。您的范围内还没有登记科技工作者，可以逐个登记或批量导入。"), _("批量导入人员"), reverse("imports:list"),
                          filtered=_("没有符合条件的人员。")))
        response = render(request, template, {"filter": f, "table": table, "page": table.page,
                                              "can_export_full": _can_export_full(request.user)})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _can_export_full(user) -> bool:
    return scope_paths(user, "people.pii") != []


@login_required
def export(request):
    """Masked for every role, superusers included. ``?pii=full`` (offered to roles with 查看完整个人信息)
    writes full ID and phone numbers for the people in that scope — each one logged as a full view."""
    f = _filtered(request, "people.export")
    if not f.is_valid():
        return bad_request(request, _("筛选条件有误，无法导出。"))
    full = request.GET.get("pii") == "full"
    if full and not _can_export_full(request.user):
        raise PermissionDenied(_("您的角色无权导出完整个人信息。"))
    if full and request.GET.get("confirmed") != "1":
        query = request.GET.copy()
        query["confirmed"] = "1"
        return render(request, "people/export_confirm.html", {"query": query.urlencode()})
    # Large lists run as a background job with a progress page; smaller ones stream at once. Both write the
    # rows of kexie.exports.kinds.people (decision 0033).
    if export_start.too_large(f.qs):
        return export_start.background(request, "people")
    headers, _total, rows = people_export.rows(request.user, request.GET, ip=client_ip(request))
    return xlsx_response(_("科技工作者"), _("科技工作者"), headers, rows)


@login_required
def detail(request, pk: int):
    person = get_in_scope(Person.objects.select_related("org", "employer", "merged_into"), request.user, pk)
    context = {
        "person": person,
        "disciplines": person.persondiscipline_set.select_related("discipline").order_by("-is_primary"),
        "memberships": [
            (m, user_can(request.user, "people.view", m.org_path))
            for m in person.memberships.filter(deleted_at__isnull=True).select_related("society")
        ],
        "posts": person.posts.select_related("term__body__organisation"),
        "history": history_for(person)[:50],
        "can_change": user_can(request.user, "people.change", person.org_path),
        "can_view_pii": user_can(request.user, "people.pii", person.org_path),
    }
    if person.merged_into_id:
        context["survivor_visible"] = Person.objects.for_user(request.user).filter(pk=person.merged_into_id).exists()
    return render(request, "people/detail.html", context)


@login_required
@require_POST
def reveal(request, pk: int, field: str):
    person = get_in_scope(Person.objects.alive(), request.user, pk)
    try:
        value = services.reveal(request.user, person, field, client_ip(request))
    except (PermissionDenied, ValidationError) as exc:
        text = join_messages(error_messages(exc))
        return HttpResponse(format_html("<span class='error'>{}</span>", text), status=403)
    return render(request, "people/detail.html#pii-value", {"value": value or "—"})


def _save(request, form, person=None):
    data = form.service_data()
    disciplines = list(form.cleaned_data["discipline_codes"])
    if person is None:
        return services.create_person(request.user, data, disciplines)
    return services.update_person(request.user, person, data, disciplines)


@login_required
def edit(request, pk: int):
    person = get_in_scope(Person.objects.alive(), request.user, pk)
    services.require_owner(request.user, person)
    form = PersonForm(request.POST or None, instance=Person.objects.get(pk=person.pk), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            _save(request, form, person)
        except ValidationError as exc:
            _attach(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("人员信息已保存。"))
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form, "title": _("编辑：%(name)s") % {"name": person.name}, "person": person})


@login_required
def create(request):
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = _save(request, form)
        except ValidationError as exc:
            _attach(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记“%(name)s”。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form, "title": _("登记科技工作者")})


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


@login_required
def delete(request, pk: int):
    """GET: what deleting the record means (its memberships and posts stay); POST: delete (soft, restorable)."""
    person = get_in_scope(Person.objects.alive().select_related("org"), request.user, pk)
    services.require_owner(request.user, person)
    if request.method == "POST":
        services.delete_person(request.user, person)
        messages.success(request, _("已删除“%(name)s”，可恢复。") % {"name": person.name})
        return redirect("people:detail", pk=person.pk)
    return render(request, "people/delete.html", {
        "person": person, "memberships": person.memberships.filter(deleted_at__isnull=True).count(),
        "posts": person.posts.count(),
    })


@login_required
@require_POST
def restore(request, pk: int):
    person = get_in_scope(Person.objects.all(), request.user, pk)
    services.require_owner(request.user, person)
    try:
        services.restore_person(request.user, person)
    except ValidationError as exc:
        messages.error(request, join_messages(error_messages(exc)))
    else:
        messages.success(request, _("已恢复“%(name)s”。") % {"name": person.name})
    return redirect("people:detail", pk=person.pk)


_PICKER_NAME = re.compile(r"[A-Za-z0-9_-]{1,60}")


@login_required
def picker(request):
    """``people:picker``: the suggestions of a person picker (kexie/people/widgets.py) — at most 20 people of the
    caller's ``people.view`` scope whose name (or employer) holds the typed text, as "姓名（工作单位）" with the
    phone masked; never an ID number or a full phone (decision 0043)."""
    from kexie.people.widgets import SUGGESTIONS, base, hint, matching, shown

    field = request.GET.get("field", "")
    field = field if _PICKER_NAME.fullmatch(field) else "q"
    list_id = request.GET.get("list", "")
    list_id = list_id if _PICKER_NAME.fullmatch(list_id) else "person-choices"
    text = " ".join(request.GET.get(field, request.GET.get("q", "")).replace("\x00", "").split())[:40]
    found = []
    if text:
        qs = base(Person.objects.for_user(request.user, "people.view"))
        found = list(matching(qs, text).order_by("name", "pk")[:SUGGESTIONS])
    response = render(request, "components/person_picker.html#choices",
                      {"list_id": list_id, "choices": [(shown(p), p, hint(p)) for p in found]})
    patch_vary_headers(response, ["Cookie"])
    return response
