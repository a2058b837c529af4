"""Pages of 申报评审. Thin: writes are in ``services``; every lookup goes through the scope helper, except an
applicant's own application (``_application``) and published calls, which every signed-in user may read."""

from __future__ import annotations

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
from kexie.calls import forms_flow as F
from kexie.calls.forms import LibraryForm
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
from kexie.formkit import fill
from kexie.formkit import schema as S
from kexie.orgs.models import Organisation
from kexie.people.models import Person


# ---- lookups ------------------------------------------------------------------------------------
def _visible_calls(user: Any) -> Any:
    """Calls of organisations in scope, and every published call (a call is a public notice: ``for_public``)."""
    return Call.objects.alive().filter(
        Q(pk__in=Call.objects.for_user(user).values("pk")) | Q(pk__in=Call.objects.for_public().values("pk")))


def _call(request: Any, pk: int, action: str = "calls.view") -> Call:
    if action == "calls.view":
        call: Call | None = _visible_calls(request.user).select_related("owner").filter(pk=pk).first()
        if call is None:
            raise Http404(_("记录不存在或您无权访问。"))
        return call
    found: Call = get_in_scope(Call.objects.alive().select_related("owner"), request.user, pk, action)
    return found


def _application(request: Any, pk: int, action: str = "calls.view") -> Application:
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
    can_create = scope_paths(request.user, "calls.change") != []
    return render(request, "calls/list.html", {"page": paginate(request, calls.order_by("-year", "code")),
                                               "mine": mine, "can_create": can_create, "status": status,
                                               "statuses": CallStatus.choices})


@login_required
def call_detail(request, pk: int):
    call = _call(request, pk)
    person = services.person_of(request.user)
    verdict = None
    own = None
    if person is not None and call.applicant_kind == "person":
        verdict = eligibility.evaluate(call, person=person)
        own = Application.objects.filter(call=call, applicant_person=person).first()
    can_manage = user_can(request.user, "calls.change", call.org_path)
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
        "call_flow": Call.WORKFLOW,
    })


@login_required
@require_POST
def call_open(request, pk: int):
    call = _call(request, pk, "calls.change")
    try:
        services.open_call(request.user, call)
        messages.success(request, _("批次已发布。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:detail", pk=call.pk)


@login_required
@require_POST
def call_advance(request, pk: int):
    call = _call(request, pk, "calls.change")
    form = F.AdvanceForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(F.first_error(form))
        services.advance_stage(request.user, call, to=form.cleaned_data["to"] or None)
        messages.success(request, _("已进入下一阶段。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:detail", pk=call.pk)


@login_required
def call_quotas(request, pk: int):
    call = _call(request, pk, "calls.change")
    quotas = {q.organisation_id: q for q in Quota.objects.filter(call=call)}
    # The candidates: organisations with a quota and the owner's direct children, those the user may see.
    candidates = list(Organisation.objects.for_user(request.user).alive().filter(
        Q(pk__in=list(quotas)) | Q(depth=call.owner.depth + 1, path__startswith=call.owner.path))
        .order_by("path")[:300])
    form = F.QuotaForm(request.POST or None, orgs=candidates,
                       initial_places={k: q.places for k, q in quotas.items()})
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(F.first_error(form))
            services.set_quotas(request.user, call, form.places())
            messages.success(request, _("推荐名额已保存。"))
            return redirect("calls:quotas", pk=call.pk)
        except ValidationError as exc:
            _refuse(request, exc)
    rows = [{"org": o, "quota": quotas.get(o.pk), "used": services.nominated_count(call, o),
             "field": form[f"q-{o.pk}"]} for o in candidates]
    return render(request, "calls/quotas.html", {"call": call, "rows": rows, "form": form},
                  status=400 if form.errors else 200)


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
    apps = Application.objects.for_user(request.user, "calls.export").filter(call=call).select_related(
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
    paths = scope_paths(request.user, "calls.change")
    mine = [q for q in quotas if paths is None or any(q.organisation.path.startswith(p) for p in paths)]
    usage = services.quota_usage(call, mine)
    apps = Application.objects.filter(call=call, nominator__in=[q.organisation for q in mine]).exclude(
        status=ApplicationStatus.DRAFT).select_related("applicant_person", "applicant_org", "nominator").order_by(
        "nominator", "id")
    return render(request, "calls/nominations.html", {"call": call, "usage": usage, "apps": apps,
                                                      "open": call.current_stage == Stage.NOMINATE,
                                                      "flow": Application.WORKFLOW})


@login_required
def formal_queue(request, pk: int):
    call = _call(request, pk, "calls.change")
    queue_status = services.formal_queue_status(call)
    apps = Application.objects.for_user(request.user, "calls.change").filter(
        call=call, status__in=[queue_status, ApplicationStatus.RETURNED]).select_related(
        "applicant_person", "applicant_org", "nominator").order_by("status", "id")
    return render(request, "calls/formal.html", {"call": call, "page": paginate(request, apps),
                                                 "reasons": services.FORMAL_REASONS,
                                                 "open": call.current_stage == Stage.FORMAL,
                                                 "queue_status": queue_status, "flow": Application.WORKFLOW})


# ---- applying -----------------------------------------------------------------------------------
@login_required
@require_POST
def apply(request, pk: int):
    call = _call(request, pk)
    person = services.person_of(request.user)
    if person is None:
        raise PermissionDenied(_("您的账号没有关联科技工作者信息，无法以个人身份申报。"))
    form = F.ApplyForm(request.POST, nominators=Organisation.objects.filter(call_quotas__call=call))
    try:
        if not form.is_valid():
            raise ValidationError(F.first_error(form))
        app = services.start_application(request.user, call, person=person, nominator=form.cleaned_data["nominator"],
                                         title=form.cleaned_data["title"])
    except ValidationError as exc:
        _refuse(request, exc)
        return redirect("calls:detail", pk=call.pk)
    return redirect("calls:fill", pk=app.pk)


def _people_formsets(post: Any, app: Application) -> dict[str, Any]:
    """One Django formset per people list of the application page (prefix: the list's key)."""
    return {key: F.people_formset(n)(post, prefix=key) if post is not None else
            F.people_formset(n)(prefix=key, initial=F.people_initial(getattr(app, key)))
            for key, n in LIST_ROWS.items()}


def _formset_errors(formset: Any) -> list[str]:
    errors = [str(e) for e in formset.non_form_errors()]
    for form in formset.forms:
        errors += F.first_error(form)
    return errors


LIST_ROWS = {"avoid_requests": 3, "collaborators": 5, "relatives": 3}
LIST_LABELS = {"avoid_requests": _lazy("申请回避的专家"), "collaborators": _lazy("合作者"), "relatives": _lazy("亲属")}


@login_required
def application_fill(request, pk: int):
    app = _application(request, pk)
    user = request.user
    if not services.can_fill(user, app) or not Application.WORKFLOW.allows(app, "edit"):
        return redirect("calls:application", pk=app.pk)
    schema = app.call.form_schema or {}
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = dict(app.data or {})
    status = 200
    nominators = Organisation.objects.filter(call_quotas__call=app.call)
    form = F.FillForm(request.POST or None, nominators=nominators,
                      initial={"title": app.title, "nominator": app.nominator_id})
    formsets = _people_formsets(request.POST if request.method == "POST" else None, app)
    if request.method == "POST":
        # The call's own fields are read by the form engine from its schema (kexie.formkit.fill).
        raw = fill.raw_from_post(schema, request.POST)
        errors = fill.store_uploads(schema, f"calls/{app.call_id}/{app.pk}", request.POST, request.FILES, raw,
                                    keep=app.data)
        valid = form.is_valid()
        if not valid:
            errors[S.ALL] = [*errors.get(S.ALL, []), *F.first_error(form)]
        raw["title"] = form.cleaned_data.get("title", app.title) if valid else app.title
        for key, formset in formsets.items():
            if formset.is_valid():
                raw[key] = formset.entries(reason=key == "avoid_requests")
            else:
                errors[key] = _formset_errors(formset)
        data = raw
        if not errors:
            try:
                nominator_posted = "nominator" in form.data
                if nominator_posted and Application.WORKFLOW.allows(app, "change_nominator") \
                        and form.cleaned_data["nominator"] != app.nominator:
                    app = services.set_nominator(user, app, form.cleaned_data["nominator"])
                if form.cleaned_data["action"] == "submit":
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
    context = {
        "app": app, "call": app.call, "sections": fill.views(schema, data, errors),
        "title": data.get("title", app.title), "errors": errors,
        "general_errors": errors.get(S.ALL, []) + errors.get("eligibility", []) + errors.get("nominator", [])
        + errors.get("title", []),
        "people_lists": [(k, LIST_LABELS[k], formsets[k], errors.get(k, []), k == "avoid_requests")
                         for k in LIST_ROWS],
        "form": form,
        "nominators": [q.organisation for q in Quota.objects.filter(call=app.call).select_related("organisation")],
        "error_count": sum(len(v) for v in errors.values()),
    }
    return render(request, "calls/fill.html", context, status=status)


@login_required
@require_POST
def application_rows(request, pk: int):
    """htmx: a table field re-rendered from the posted cells with a row added or removed."""
    app = _application(request, pk, "calls.change")
    if not services.can_fill(request.user, app) or not Application.WORKFLOW.allows(app, "edit"):
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
    flow = Application.WORKFLOW
    # Who may act (the permission); which buttons show is the table's answer (``app|allows:"…"``).
    is_filer = services.can_fill(user, app)
    is_nominator = bool(nominator_path) and user_can(user, "calls.change", nominator_path or "") \
        and call.current_stage == Stage.NOMINATE
    is_checker = user_can(user, "calls.change", call.org_path) and call.current_stage == Stage.FORMAL \
        and app.status == services.formal_queue_status(call)
    return render(request, "calls/application.html", {
        "app": app, "call": call, "sections": fill.views(call.form_schema or {}, app.data or {}),
        "events": app.events.select_related("actor").order_by("at", "id"), "flow": flow,
        "is_filer": is_filer, "is_nominator": is_nominator, "is_checker": is_checker,
        "can_fill": is_filer and flow.allows(app, "edit"),
        "can_nominate": is_nominator and flow.allows(app, "nominate"),
        "can_check": is_checker and flow.allows(app, "formal_pass"),
        "reasons": services.FORMAL_REASONS,
        "declarations": app.conflict_declarations.select_related("expert"),
        "person": services.person_of(user),
        "project": Project.objects.filter(application=app).first(),
    })


@login_required
@require_POST
def application_nominate(request, pk: int):
    app = _application(request, pk, "calls.change")
    form = F.NominateForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(F.first_error(form))
        if form.cleaned_data["verdict"] == "decline":
            services.decline(request.user, app, form.cleaned_data["comment"])
            messages.success(request, _("已记录不予推荐。"))
        else:
            services.nominate(request.user, app, form.cleaned_data["comment"])
            messages.success(request, _("已推荐。"))
    except ValidationError as exc:
        _refuse(request, exc)
    if form.is_valid() and form.cleaned_data["next"] == "list":
        return redirect("calls:nominations", pk=app.call_id)
    return redirect("calls:application", pk=app.pk)


@login_required
@require_POST
def application_formal(request, pk: int):
    app = _application(request, pk, "calls.change")
    form = F.FormalForm(request.POST, reasons=services.FORMAL_REASONS)
    try:
        if not form.is_valid():
            raise ValidationError(F.first_error(form))
        d = form.cleaned_data
        services.formal_check(request.user, app, d["verdict"], d["reasons"], d["comment"])
        messages.success(request, _("形式审查结论已保存。"))
    except ValidationError as exc:
        _refuse(request, exc)
    if form.is_valid() and form.cleaned_data["next"] == "queue":
        return redirect("calls:formal", pk=app.call_id)
    return redirect("calls:application", pk=app.pk)


@login_required
@require_POST
def application_withdraw(request, pk: int):
    app = _application(request, pk, "calls.change")
    form = F.CommentForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(F.first_error(form))
        services.withdraw(request.user, app, form.cleaned_data["comment"])
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
    form = F.DeclareForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(F.first_error(form))
        services.declare_conflict(request.user, app, person, form.cleaned_data["reason"])
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
    owner_form = F.OwnerForm(request.POST or None,
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
    return render(request, "calls/libraries.html", {"page": paginate(request, libs), "form": form, "owners": owners})


@login_required
def library_detail(request, pk: int):
    lib: ExpertLibrary = get_in_scope(ExpertLibrary.objects.alive().select_related("owner"), request.user, pk)
    can_change = user_can(request.user, "calls.change", lib.org_path)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("您无权在该组织范围内执行此操作。"))
        form = F.AddExpertsForm(request.POST)
        ids = form.cleaned_data["people"] if form.is_valid() else []
        people = list(Person.objects.for_user(request.user).alive().filter(pk__in=ids))
        if not ids or len(people) != len(set(ids)):
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
    expert: Expert = get_in_scope(Expert.objects.select_related("person"), request.user, pk, "calls.change")
    form = F.AvailabilityForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(F.first_error(form))
        d = form.cleaned_data
        services.set_availability(request.user, expert, available=d["available"] == "1", until=d["until"],
                                  max_per_call=d["max_per_call"])
        messages.success(request, _("已保存。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:library", pk=expert.library_id)
