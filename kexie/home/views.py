"""Home page, 我的 (the person's own data), profile editing and change requests, the person's own export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.export import xlsx_response
from kexie.core.http import client_ip, error_messages, forbidden
from kexie.core.registry import desk_items
from kexie.core.scope import get_in_scope, scope_paths
from kexie.core.tables import Column, Empty, Table
from kexie.core.text import join_clauses, join_list
from kexie.home import desk, services
from kexie.home.forms import ChangeRequestForm, OwnProfileForm, RejectForm
from kexie.home.models import ChangeStatus, ProfileChange
from kexie.innovation import recommend
from kexie.members.joining.group_services import my_group_applications
from kexie.orgs.models import Organisation
from kexie.people.models import Discipline, Person
from kexie.people.services import log_full_views
from kexie.signup.services import consent_rows


def home(request):
    """Staff: the to-do desk (工作台: what waits for them, what they started that waits for others; decision
    0041) beside their organisations and people. An individual (no role anywhere): the personal desk. Anonymous
    visitors: the public portal (the sign-in page while there is none)."""
    if not request.user.is_authenticated:
        return redirect(desk.link("portal:home") or f"{desk.link('login')}?next=/")
    person = services.own_person(request.user)
    if desk.is_individual(request.user):
        return render(request, "home/desk.html", {
            "person": person, "steps": desk.steps(request.user, person),
            "notices": desk.latest_notices(request.user, 3),
        })
    orgs = Organisation.objects.for_user(request.user).alive()
    roots = orgs.filter(path__in=scope_paths(request.user) or []) if scope_paths(request.user) is not None \
        else orgs.filter(depth=1)
    todos = desk_items(request.user)  # 工作台: every app's lines (decision 0041)
    context = {
        "roots": roots.select_related("kind"),
        "org_count": orgs.count(),
        "people_count": Person.objects.for_user(request.user).alive().count(),
        "person": person,
        "mine": [t for t in todos if t.kind == "mine"],
        "waiting": [t for t in todos if t.kind == "waiting"],
        "today": timezone.localdate(),
    }
    return render(request, "home/home.html", context)


def _own_person(request) -> Person:
    person = services.own_person(request.user)
    if person is None:
        raise Http404(_("您的账号尚未关联科技工作者档案。"))
    return person


@login_required
def me(request):
    """我的: the person's profile, memberships, applications, reviews, projects, needs for them, notices, privacy
    and export. An account with no profile of its own: the account, its roles and where they reach."""
    person = services.own_person(request.user)
    if person is None:
        grants = request.user.assignments.select_related("organisation", "role").order_by("organisation__path")
        return render(request, "home/account.html", {"grants": grants, "verify_url": desk.link("signup:verify"),
                                                     "individual": desk.is_individual(request.user),
                                                     "group_applications": my_group_applications(request.user)[:20]})
    recommended = recommend.needs_for_person(person) if person.expertise or person.bio else []
    return render(request, "home/me.html", {
        "person": person,
        "disciplines": person.disciplines.order_by("-persondiscipline__is_primary", "code"),
        "memberships": desk.memberships(person),
        "applications": desk.applications(person),
        "group_applications": my_group_applications(request.user)[:20],
        "reviews": desk.review_tasks(person),
        "projects": desk.projects(person),
        "recommended": recommended,
        "notices": desk.latest_notices(request.user),
        "pending_change": ProfileChange.objects.filter(person=person, status=ChangeStatus.PENDING).first(),
        "last_change": ProfileChange.objects.filter(person=person).exclude(status=ChangeStatus.PENDING).first(),
        "links": {"privacy": desk.link("signup:privacy"), "verify": desk.link("signup:verify"),
                  "delete": desk.link("signup:delete"), "societies": desk.link("members:societies"),
                  "my_applications": desk.link("members:my-applications")},
    })


HISTORY_ROWS = 30  # the person's past change requests shown under 修改资料


@login_required
def me_edit(request):
    """修改资料: the fields a person changes at once, and a request for the verified ones."""
    person = _own_person(request)
    pending = ProfileChange.objects.filter(person=person, status=ChangeStatus.PENDING).first()
    own = OwnProfileForm.for_person(person, request.POST if request.POST.get("part") == "own" else None)
    ask = ChangeRequestForm(request.POST if request.POST.get("part") == "verified" else None, person=person)
    if request.method == "POST":
        form = own if request.POST.get("part") == "own" else ask if request.POST.get("part") == "verified" else None
        if form is not None and form.is_valid():
            try:
                if form is own:
                    services.update_own_profile(request.user, person, own.service_data(), own.disciplines())
                    messages.success(request, _("资料已保存。"))
                else:
                    change = services.request_change(request.user, person, ask.changed_values(),
                                                     ask.cleaned_data.get("note", ""))
                    messages.success(request, _("已提交资料变更申请（%(fields)s），等待%(org)s审核。") % {
                        "fields": join_list(change.field_labels()), "org": person.org.name})
                return redirect("me")
            except ValidationError as exc:
                form.add_error(None, join_clauses(error_messages(exc)))
            except PermissionDenied as exc:
                return forbidden(exc, request)
    history = ProfileChange.objects.filter(person=person).exclude(status=ChangeStatus.PENDING).order_by(
        "-created_at", "-id")[:HISTORY_ROWS]
    return render(request, "home/edit.html", {
        "person": person, "own": own, "ask": ask, "pending": pending, "history": history,
        "disciplines": Discipline.objects.order_by("code").only("code", "name"),
    })


@login_required
@require_POST
def change_withdraw(request, pk: int):
    person = _own_person(request)
    change = ProfileChange.objects.filter(pk=pk, person=person).first()
    if change is None:
        raise Http404(_("没有找到该申请。"))
    try:
        services.withdraw_change(request.user, change)
        messages.success(request, _("已撤回资料变更申请。"))
    except ValidationError as exc:
        messages.error(request, join_clauses(error_messages(exc)))
    return redirect("me")


# ---- staff: the requests of the people their organisations hold ------------------------------------------------
CHANGE_COLUMNS = (
    Column("person", gettext_lazy("姓名"), ("person__name",)),
    Column("org", gettext_lazy("所属组织"), ("person__org__name",)),
    Column("fields", gettext_lazy("申请修改")),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("created", gettext_lazy("申请时间"), ("created_at",)),
    Column("decided", gettext_lazy("处理时间"), ("decided_at",)),
)
ALL_STATUSES = "all"


@login_required
def changes(request):
    """资料变更: requests of people whose own organisation is in the caller's people.change scope."""
    if scope_paths(request.user, "people.change") == []:
        return forbidden(PermissionDenied(_("您的角色不能审核科技工作者的资料变更。")), request)
    status = request.GET.get("status", ChangeStatus.PENDING)
    if status not in ChangeStatus.values and status != ALL_STATUSES:
        status = ChangeStatus.PENDING
    qs = ProfileChange.objects.for_user(request.user, "people.change").select_related(
        "person", "person__org", "decided_by")
    if status != ALL_STATUSES:
        qs = qs.filter(status=status)
    if status == ChangeStatus.PENDING:
        empty = Empty(_("没有待审核的资料变更申请。科技工作者在“我的”中申请修改姓名、单位、手机号等核验资料后会列在这里。"))
    else:
        empty = Empty(_("没有该状态的资料变更申请。"))
    table = Table(request, qs, CHANGE_COLUMNS, row_template="home/changes.html#row", table_id="changes",
                  default=("-created_at",), empty=empty)
    return render(request, "home/changes.html", {"table": table, "status": status,
                                                 "statuses": [*ChangeStatus.choices, (ALL_STATUSES, _("全部"))]})


def _change(request, pk) -> ProfileChange:
    change: ProfileChange = get_in_scope(
        ProfileChange.objects.select_related("person", "person__org", "requested_by", "decided_by"),
        request.user, pk, "people.change")
    return change


@login_required
def change_detail(request, pk: int):
    change = _change(request, pk)
    rejecting = request.method == "POST" and request.POST.get("decision") == "reject"
    form = RejectForm(request.POST if rejecting else None)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "approve":
                services.approve_change(request.user, change)
                messages.success(request, _("已通过，资料已更新。"))
                return redirect("profile-change", pk=change.pk)
            if form.is_valid():
                services.reject_change(request.user, change, form.cleaned_data["reason"])
                messages.success(request, _("已驳回。"))
                return redirect("profile-change", pk=change.pk)
        except ValidationError as exc:
            messages.error(request, join_clauses(error_messages(exc)))
            change = _change(request, pk)
        except PermissionDenied as exc:
            return forbidden(exc, request)
    return render(request, "home/change.html", {"change": change, "form": form})


@login_required
def me_export(request):
    """个人信息导出 (PIPL): everything the platform holds on the person, in full, to themselves; the full values
    are logged (PiiAccess)."""
    p = _own_person(request)
    rows = [
        (_("姓名"), p.name), (_("性别"), p.get_gender_display()), (_("出生日期"), p.birth_date),
        (_("民族"), p.ethnicity), (_("身份证号"), p.id_number), (_("手机号"), p.phone), (_("电子邮箱"), p.email),
        (_("所属组织"), p.org.name), (_("工作单位"), p.employer_name), (_("职务"), p.position),
        (_("职称"), p.title), (_("职称级别"), p.get_title_level_display()), (_("学历"), p.get_education_display()),
        (_("学科"), join_list(p.disciplines.all())), (_("专业特长"), join_list(p.expertise)),
        (_("个人简介"), p.bio), (_("荣誉"), join_clauses(p.honours)), (_("同意公开专家信息"), p.public_profile),
    ]
    for m in p.memberships.select_related("society"):
        rows.append((_("会员"), f"{m.society.name} {m.get_category_display()} {m.number} {m.get_status_display()}"))
    for a in desk.applications(p, None):
        rows.append((_("申报"), f"{a.call.name} {a.title} {a.get_status_display()}"))
    for r in desk.review_tasks(p, None):
        rows.append((_("评审任务"), f"{r.call.name} {r.application.title} {r.get_status_display()}"))
    for j in desk.projects(p, None):
        rows.append((_("立项课题"), f"{j.call.name} {j.title} {j.get_status_display()}"))
    rows += consent_rows(request.user)  # 个人信息处理同意记录 (PIPL)
    log_full_views(request.user, [p], ip=client_ip(request))  # one's own full values are logged too
    return xlsx_response(_("我的资料"), _("我的资料"), [_("项目"), _("内容")], rows)
