"""Pages of 申报评审. Thin: writes are in ``services``; every lookup goes through the scope helper, except an
applicant's own application (``_application``) and published calls, which every signed-in user may read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from kexie.calls import eligibility, services
from kexie.calls.forms import CallForm, LibraryForm
from kexie.calls.models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    Expert,
    ExpertLibrary,
    Project,
    Quota,
    ReviewAssignment,
    Stage,
)
from kexie.core.export import xlsx_response
from kexie.core.http import error_messages, paginate, to_id
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.orgs.models import Organisation
from kexie.people.models import Person
from kexie.reports import fill
from kexie.reports import schema as S


# ---- lookups ------------------------------------------------------------------------------------
def _visible_calls(user: Any) -> Any:
    """Calls of organisations in scope, and every published call (a call is a public notice: ``for_public``)."""
    return Call.objects.alive().filter(
        Q(pk__in=Call.objects.for_user(user).values("pk")) | Q(pk__in=Call.objects.for_public().values("pk")))


def _call(request: Any, pk: int, action: str = "view") -> Call:
    if action == "view":
        call: Call | None = _visible_calls(request.user).select_related("owner").filter(pk=pk).first()
        if call is None:
            raise Http404(_("记录不存在或您无权访问。"))
        return call
    found: Call = get_in_scope(Call.objects.alive().select_related("owner"), request.user, pk, action)
    return found


def _application(request: Any, pk: int, action: str = "view") -> Application:
    qs = Application.objects.select_related("call", "call__owner", "applicant_person", "applicant_org", "nominator")
    app: Application = get_in_scope(qs, request.user, pk, action, own=Q(applicant_person__user=request.user))
    return app


def _libraries(user: Any) -> Any:
    """The expert libraries a call's staff may choose: those in their scope."""
    return ExpertLibrary.objects.for_user(user).alive().order_by("org_path", "name")


def _refuse(request: Any, exc: Exception) -> None:
    for m in error_messages(exc):
        messages.error(request, m)


# ---- calls --------------------------------------------------------------------------------------
@login_required
def call_list(request):
    calls = _visible_calls(request.user).select_related("owner").annotate(
        n=Count("applications", filter=~Q(applications__status=ApplicationStatus.DRAFT)))
    status = request.GET.get("status", "")
    if status in CallStatus.values:
        calls = calls.filter(status=status)
    person = services.person_of(request.user)
    mine = (Application.objects.filter(applicant_person=person).select_related("call").order_by("-id")[:20]
            if person else [])
    can_create = scope_paths(request.user, "change") != []
    return render(request, "calls/list.html", {"page": paginate(request, calls.order_by("-year", "code")),
                                               "mine": mine, "can_create": can_create, "status": status,
                                               "statuses": CallStatus.choices})


@login_required
def call_create(request):
    form = CallForm(request.POST or None, request.FILES or None, libraries=_libraries(request.user),
                    initial={"tracks_projects": True})
    owners = Organisation.objects.for_user(request.user, "change").alive().order_by("path")[:200]
    if request.method == "POST" and form.is_valid():
        owner = owners.model.objects.filter(pk__in=[o.pk for o in owners], pk=request.POST.get("owner")).first()
        if owner is None:
            form.add_error(None, _("请选择主办单位。"))
        else:
            try:
                call = services.create_call(request.user, owner=owner, code=form.cleaned_data["code"],
                                            **form.values())
                messages.success(request, _("批次已创建。"))
                return redirect("calls:detail", pk=call.pk)
            except (ValidationError, PermissionDenied) as exc:
                for m in error_messages(exc):
                    form.add_error(None, m)
    return render(request, "calls/call_form.html", {"form": form, "owners": owners, "call": None},
                  status=400 if form.errors else 200)


@login_required
def call_edit(request, pk: int):
    call = _call(request, pk, "change")
    form = CallForm(request.POST or None, request.FILES or None, initial=CallForm.initial_for(call),
                    libraries=_libraries(request.user))
    form.fields["code"].disabled = True  # the code is the call's permanent identifier (not shown on this page)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_call(request.user, call, **form.values())
            messages.success(request, _("批次已保存。"))
            return redirect("calls:detail", pk=call.pk)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
    return render(request, "calls/call_form.html", {"form": form, "call": call, "owners": []},
                  status=400 if form.errors else 200)


@login_required
def call_detail(request, pk: int):
    call = _call(request, pk)
    person = services.person_of(request.user)
    verdict = None
    own = None
    if person is not None and call.applicant_kind == "person":
        verdict = eligibility.evaluate(call, person=person)
        own = Application.objects.filter(call=call, applicant_person=person).first()
    can_manage = user_can(request.user, "change", call.org_path)
    counts = dict(Application.objects.for_user(request.user).filter(call=call).values_list("status")
                  .annotate(n=Count("id")).values_list("status", "n"))
    quotas = Quota.objects.filter(call=call).select_related("organisation").order_by("org_path")
    nominators = [q.organisation for q in quotas]
    return render(request, "calls/detail.html", {
        "call": call, "stages": call.stage_rows(), "rules": [eligibility.describe(r) for r in call.eligibility],
        "verdict": verdict, "own": own, "person": person, "can_manage": can_manage,
        "counts": [(label, counts.get(value, 0)) for value, label in ApplicationStatus.choices if counts.get(value)],
        "nominators": nominators, "can_apply": call.status == CallStatus.OPEN and call.current_stage == Stage.APPLY,
        "rubric": call.rubric, "next_stage": dict(Stage.choices).get(call.next_stage() or ""),
    })


@login_required
@require_POST
def call_open(request, pk: int):
    call = _call(request, pk, "change")
    try:
        services.open_call(request.user, call)
        messages.success(request, _("批次已发布。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:detail", pk=call.pk)


@login_required
@require_POST
def call_advance(request, pk: int):
    call = _call(request, pk, "change")
    try:
        services.advance_stage(request.user, call, to=request.POST.get("to") or None)
        messages.success(request, _("已进入下一阶段。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:detail", pk=call.pk)


@login_required
def call_quotas(request, pk: int):
    call = _call(request, pk, "change")
    if request.method == "POST":
        places: dict[Organisation, int] = {}
        try:
            for key, value in request.POST.items():
                if key.startswith("q-") and value.strip():
                    org = Organisation.objects.for_user(request.user).filter(pk=int(key[2:])).first()
                    if org is None:
                        raise ValidationError(_("推荐单位不存在或不在您的范围内。"))
                    places[org] = int(value)
            services.set_quotas(request.user, call, places)
            messages.success(request, _("推荐名额已保存。"))
            return redirect("calls:quotas", pk=call.pk)
        except ValueError:
            messages.error(request, _("推荐名额应为非负整数。"))
        except ValidationError as exc:
            _refuse(request, exc)
    quotas = {q.organisation_id: q for q in Quota.objects.filter(call=call)}
    candidates = Organisation.objects.alive().filter(
        Q(pk__in=list(quotas)) | Q(depth=call.owner.depth + 1, path__startswith=call.owner.path)).order_by("path")
    rows = [{"org": o, "quota": quotas.get(o.pk), "used": services.nominated_count(call, o)} for o in candidates[:300]]
    return render(request, "calls/quotas.html", {"call": call, "rows": rows})


@login_required
def call_applications(request, pk: int):
    call = _call(request, pk)
    apps = Application.objects.for_user(request.user).filter(call=call).select_related(
        "applicant_person", "applicant_org", "nominator").order_by("id")
    status = request.GET.get("status", "")
    if status in ApplicationStatus.values:
        apps = apps.filter(status=status)
    return render(request, "calls/applications.html", {"call": call, "page": paginate(request, apps),
                                                       "status": status, "statuses": ApplicationStatus.choices})


@login_required
def call_export(request, pk: int):
    call = _call(request, pk)
    apps = Application.objects.for_user(request.user, "export").filter(call=call).select_related(
        "applicant_person", "applicant_org", "nominator").order_by("id")
    keys = [f for f in S.fields(call.form_schema or {}) if f.get("type") not in ("table", "file")]
    headers = [_("编号"), _("申报名称"), _("申报人/单位"), _("推荐单位"), _("状态"), _("意见"), _("提交时间"),
               *[S.label_of(f) for f in keys]]

    def rows():
        for a in apps.iterator(chunk_size=500):
            yield [a.pk, a.title, a.applicant_name, a.nominator.name if a.nominator else "", a.get_status_display(),
                   a.status_reason, timezone.localtime(a.submitted_at).strftime("%Y-%m-%d %H:%M") if a.submitted_at
                   else "", *[(a.data or {}).get(f["key"], "") for f in keys]]
    return xlsx_response(call.code, _("申报"), headers, rows())


@login_required
def nominations(request, pk: int):
    """The nominating organisations' page: each quota in the user's change scope with used / left."""
    call = _call(request, pk)
    quotas = list(Quota.objects.filter(call=call).select_related("organisation").order_by("org_path"))
    paths = scope_paths(request.user, "change")
    mine = [q for q in quotas if paths is None or any(q.organisation.path.startswith(p) for p in paths)]
    usage = services.quota_usage(call, mine)
    apps = Application.objects.filter(call=call, nominator__in=[q.organisation for q in mine]).exclude(
        status=ApplicationStatus.DRAFT).select_related("applicant_person", "applicant_org", "nominator").order_by(
        "nominator", "id")
    return render(request, "calls/nominations.html", {"call": call, "usage": usage, "apps": apps,
                                                      "open": call.current_stage == Stage.NOMINATE})


@login_required
def formal_queue(request, pk: int):
    call = _call(request, pk, "change")
    queue_status = ApplicationStatus.NOMINATED if call.has_stage(Stage.NOMINATE) else ApplicationStatus.SUBMITTED
    apps = Application.objects.for_user(request.user, "change").filter(
        call=call, status__in=[queue_status, ApplicationStatus.RETURNED]).select_related(
        "applicant_person", "applicant_org", "nominator").order_by("status", "id")
    return render(request, "calls/formal.html", {"call": call, "page": paginate(request, apps),
                                                 "reasons": services.FORMAL_REASONS,
                                                 "open": call.current_stage == Stage.FORMAL,
                                                 "queue_status": queue_status})


# ---- applying -----------------------------------------------------------------------------------
@login_required
@require_POST
def apply(request, pk: int):
    call = _call(request, pk)
    person = services.person_of(request.user)
    if person is None:
        raise PermissionDenied(_("您的账号没有关联科技工作者信息，无法以个人身份申报。"))
    nominator = None
    if request.POST.get("nominator"):
        nominator = Organisation.objects.filter(call_quotas__call=call, pk=request.POST.get("nominator")).first()
    try:
        app = services.start_application(request.user, call, person=person, nominator=nominator,
                                         title=request.POST.get("title", ""))
    except ValidationError as exc:
        _refuse(request, exc)
        return redirect("calls:detail", pk=call.pk)
    return redirect("calls:fill", pk=app.pk)


def _people_list(post: Any, prefix: str, n: int, reason: bool = False) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        name = post.get(f"{prefix}-{i}-name", "").strip()
        if not name:
            continue
        entry: dict[str, Any] = {"name": name, "employer": post.get(f"{prefix}-{i}-employer", "").strip()}
        pid = post.get(f"{prefix}-{i}-person", "").strip()
        entry["person_id"] = int(pid) if pid.isdigit() else None
        if reason:
            entry["reason"] = post.get(f"{prefix}-{i}-reason", "").strip()
        out.append(entry)
    return out


LIST_ROWS = {"avoid_requests": 3, "collaborators": 5, "relatives": 3}
LIST_LABELS = {"avoid_requests": _lazy("申请回避的专家"), "collaborators": _lazy("合作者"), "relatives": _lazy("亲属")}


@login_required
def application_fill(request, pk: int):
    app = _application(request, pk)
    user = request.user
    if not services.can_fill(user, app) or app.status not in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED):
        return redirect("calls:application", pk=app.pk)
    schema = app.call.form_schema or {}
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = dict(app.data or {})
    status = 200
    if request.method == "POST":
        raw = fill.raw_from_post(schema, request.POST)
        errors = fill.store_uploads(schema, f"calls/{app.call_id}/{app.pk}", request.POST, request.FILES, raw,
                                    keep=app.data)
        raw["title"] = request.POST.get("title", app.title)
        for key, n in LIST_ROWS.items():
            raw[key] = _people_list(request.POST, key, n, reason=key == "avoid_requests")
        data = raw
        if not errors:
            try:
                if request.POST.get("nominator") is not None and app.status == ApplicationStatus.DRAFT:
                    nominator_id = to_id(request.POST.get("nominator"))
                    nominator = Organisation.objects.filter(call_quotas__call=app.call, pk=nominator_id).first() \
                        if nominator_id is not None else None
                    if nominator != app.nominator:
                        app = services.set_nominator(user, app, nominator)
                if request.POST.get("action") == "submit":
                    services.submit(user, app, raw)
                    messages.success(request, _("申报已提交。"))
                    return redirect("calls:application", pk=app.pk)
                services.save_draft(user, app, raw)
                messages.success(request, _("草稿已保存。"))
                return redirect("calls:fill", pk=app.pk)
            except services.ApplicationInvalid as exc:
                errors = exc.errors
            except (ValidationError, PermissionDenied) as exc:
                errors = {S.ALL: error_messages(exc)}
        status = 400
    lists: dict[str, list[dict[str, Any]]] = {}
    for key in LIST_ROWS:
        value = data.get(key)
        lists[key] = value if isinstance(value, list) else list(getattr(app, key) or [])
    context = {
        "app": app, "call": app.call, "sections": fill.views(schema, data, errors),
        "title": data.get("title", app.title), "errors": errors,
        "general_errors": errors.get(S.ALL, []) + errors.get("eligibility", []) + errors.get("nominator", [])
        + errors.get("title", []),
        "people_lists": [(k, LIST_LABELS[k], _padded(lists[k], n), errors.get(k, []), k == "avoid_requests")
                         for k, n in LIST_ROWS.items()],
        "nominators": [q.organisation for q in Quota.objects.filter(call=app.call).select_related("organisation")],
        "error_count": sum(len(v) for v in errors.values()),
    }
    return render(request, "calls/fill.html", context, status=status)


def _padded(items: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    items = [i for i in items if isinstance(i, dict)][:n]
    return items + [{} for _i in range(n - len(items))]


@login_required
@require_POST
def application_rows(request, pk: int):
    """htmx: a table field re-rendered from the posted cells with a row added or removed."""
    app = _application(request, pk, "change")
    if not services.can_fill(request.user, app) or app.status not in (ApplicationStatus.DRAFT,
                                                                      ApplicationStatus.RETURNED):
        raise PermissionDenied(_("该申报当前不能修改。"))
    try:
        fv = fill.edit_table(app.call.form_schema or {}, request.POST)
    except fill.TableFull as exc:
        return HttpResponse(str(exc), status=422)
    if fv is None:
        raise Http404(_("没有这个表格。"))
    return render(request, "calls/fill.html#table", {"f": fv, "app": app, "editable": True})


@login_required
def application_file(request, pk: int):
    app = _application(request, pk)
    return fill.attachment_response(app.call.form_schema or {}, app.data, request.GET.get("key", ""),
                                    f"calls/{app.call_id}/{app.pk}")


@login_required
def application_detail(request, pk: int):
    app = _application(request, pk)
    call = app.call
    user = request.user
    nominator_path = app.nominator.path if app.nominator else None
    return render(request, "calls/application.html", {
        "app": app, "call": call, "sections": fill.views(call.form_schema or {}, app.data or {}),
        "events": app.events.select_related("actor").order_by("at", "id"),
        "can_fill": services.can_fill(user, app) and app.status in (ApplicationStatus.DRAFT,
                                                                    ApplicationStatus.RETURNED),
        "can_withdraw": services.can_fill(user, app) and app.status in (
            ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.NOMINATED,
            ApplicationStatus.RETURNED, ApplicationStatus.FORMAL_PASSED),
        "can_nominate": bool(nominator_path) and user_can(user, "change", nominator_path or "")
        and call.current_stage == Stage.NOMINATE and app.status == ApplicationStatus.SUBMITTED,
        "can_check": user_can(user, "change", call.org_path) and call.current_stage == Stage.FORMAL,
        "reasons": services.FORMAL_REASONS,
        "declarations": app.conflict_declarations.select_related("expert"),
        "person": services.person_of(user),
        "project": Project.objects.filter(application=app).first(),
    })


@login_required
@require_POST
def application_nominate(request, pk: int):
    app = _application(request, pk, "change")
    try:
        if request.POST.get("verdict") == "decline":
            services.decline(request.user, app, request.POST.get("comment", ""))
            messages.success(request, _("已记录不予推荐。"))
        else:
            services.nominate(request.user, app, request.POST.get("comment", ""))
            messages.success(request, _("已推荐。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect(request.POST.get("next") == "list" and "calls:nominations" or "calls:application",
                    pk=app.call_id if request.POST.get("next") == "list" else app.pk)


@login_required
@require_POST
def application_formal(request, pk: int):
    app = _application(request, pk, "change")
    try:
        services.formal_check(request.user, app, request.POST.get("verdict", ""),
                              request.POST.getlist("reasons"), request.POST.get("comment", ""))
        messages.success(request, _("形式审查结论已保存。"))
    except ValidationError as exc:
        _refuse(request, exc)
    if request.POST.get("next") == "queue":
        return redirect("calls:formal", pk=app.call_id)
    return redirect("calls:application", pk=app.pk)


@login_required
@require_POST
def application_withdraw(request, pk: int):
    app = _application(request, pk, "change")
    try:
        services.withdraw(request.user, app, request.POST.get("comment", ""))
        messages.success(request, _("申报已撤回。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:application", pk=app.pk)


@login_required
@require_POST
def application_declare(request, pk: int):
    """An expert declares a conflict on an application assigned to them (or staff of the call, in scope)."""
    person = services.person_of(request.user)
    if person is None:
        raise PermissionDenied(_("只有专家本人或批次主办单位可以申报回避。"))
    app_id = to_id(pk)
    assigned = ReviewAssignment.objects.filter(application_id=app_id, expert=person).select_related(
        "application", "application__call").first() if app_id is not None else None
    app = assigned.application if assigned is not None else _application(request, pk)
    try:
        services.declare_conflict(request.user, app, person, request.POST.get("reason", ""))
        messages.success(request, _("回避声明已记录。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:application", pk=app.pk)


# ---- expert libraries ---------------------------------------------------------------------------
@login_required
def libraries(request):
    libs = ExpertLibrary.objects.for_user(request.user).alive().select_related("owner").annotate(
        n=Count("experts")).order_by("org_path", "name")
    form = LibraryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        owner_id = to_id(request.POST.get("owner"))
        owner = Organisation.objects.for_user(request.user, "change").filter(pk=owner_id).first() if owner_id else None
        if owner is None:
            form.add_error(None, _("请选择管理单位。"))
        else:
            try:
                lib = services.create_library(request.user, owner=owner, name=form.cleaned_data["name"],
                                              description=form.cleaned_data["description"])
                return redirect("calls:library", pk=lib.pk)
            except (ValidationError, PermissionDenied) as exc:
                for m in error_messages(exc):
                    form.add_error(None, m)
    owners = Organisation.objects.for_user(request.user, "change").alive().order_by("path")[:200]
    return render(request, "calls/libraries.html", {"page": paginate(request, libs), "form": form, "owners": owners})


@login_required
def library_detail(request, pk: int):
    lib: ExpertLibrary = get_in_scope(ExpertLibrary.objects.alive().select_related("owner"), request.user, pk)
    can_change = user_can(request.user, "change", lib.org_path)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("您无权在该组织范围内执行此操作。"))
        given = [x for x in request.POST.get("people", "").replace("，", ",").split(",") if x.strip()]
        ids = [i for x in given if (i := to_id(x)) is not None]
        people = list(Person.objects.for_user(request.user).alive().filter(pk__in=ids))
        if len(ids) != len(given) or len(people) != len(set(ids)):
            messages.error(request, _("部分人员不存在或不在您的范围内。"))
        else:
            n = services.add_experts(request.user, lib, people)
            messages.success(request, _("已加入 %(n)s 位专家。") % {"n": n})
        return redirect("calls:library", pk=lib.pk)
    experts = lib.experts.select_related("person", "person__employer").annotate(
        assigned=Count("person__review_assignments", filter=Q(person__review_assignments__status="assigned"))
    ).order_by("id")
    q = request.GET.get("q", "").strip()
    if q:
        experts = experts.filter(Q(person__name__contains=q) | Q(person__employer_name__contains=q))
    return render(request, "calls/library.html", {"lib": lib, "page": paginate(request, experts), "q": q,
                                                  "can_change": can_change})


@login_required
@require_POST
def expert_availability(request, pk: int):
    expert: Expert = get_in_scope(Expert.objects.select_related("person"), request.user, pk, "change")
    try:
        until = request.POST.get("until") or None
        services.set_availability(
            request.user, expert, available=request.POST.get("available") == "1",
            until=dt.date.fromisoformat(until) if until else None,
            max_per_call=int(request.POST["max_per_call"]) if request.POST.get("max_per_call") else None)
        messages.success(request, _("已保存。"))
    except ValueError:
        messages.error(request, _("日期或数量格式有误。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:library", pk=expert.library_id)
