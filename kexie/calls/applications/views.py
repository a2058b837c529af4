"""Pages of applying: applying, filling, the applications of a call and their export, nominations, the formal
check, withdrawing, declaring a conflict."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from kexie.calls.applications import services
from kexie.calls.applications.forms import (
    ApplicationListFilter,
    ApplyForm,
    BatchFormalForm,
    CloseForm,
    DeclareForm,
    FillForm,
    FormalForm,
    NominateForm,
    people_formset,
    people_initial,
)
from kexie.calls.common import ApplicationInvalid, person_of
from kexie.calls.experts import services as expert_services
from kexie.calls.formfields import CommentForm, filter_values, first_error
from kexie.calls.models import (
    Application,
    ApplicationStatus,
    Call,
    Project,
    Quota,
    ReviewAssignment,
    Stage,
)
from kexie.calls.models.applications import submitted_q
from kexie.calls.pages import _application, _call, _refuse
from kexie.calls.setup.services import formal_queue_status, quota_usage
from kexie.core.export import xlsx_response
from kexie.core.http import error_messages, paginate, to_id
from kexie.core.scope import scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.formkit import fill
from kexie.formkit import schema as S
from kexie.orgs.models import Organisation

# ---- a call's applications ---------------------------------------------------------------------
APPLICATION_COLUMNS = (
    Column("id", "#", ("id",)),
    Column("title", gettext_lazy("申报名称"), ("title",)),
    Column("applicant", gettext_lazy("申报人/单位")),
    Column("nominator", gettext_lazy("推荐单位"), ("nominator__name",), "hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("submitted", gettext_lazy("提交时间"), ("submitted_at",), "hide-sm"),
)


def _filtered_applications(request: Any, qs: Any) -> tuple[ApplicationListFilter, Any]:
    """A call's applications as the page filters them; the export reads the same filter."""
    flt = ApplicationListFilter(request.GET)
    d = filter_values(flt)
    if d.get("status"):
        qs = qs.filter(status=d["status"])
    if d.get("q"):
        q = d["q"]
        qs = qs.filter(Q(title__contains=q) | Q(applicant_person__name__contains=q)
                       | Q(applicant_org__name__contains=q))
    return flt, qs


PICK_COLUMN = Column("pick", gettext_lazy("选择"))


def _batch_open(user: Any, call: Any) -> bool:
    """The call's staff at its 形式审查 stage check applications in batches on the list."""
    return call.current_stage == Stage.FORMAL and Call.WORKFLOW.allows(call, "advance") \
        and user_can(user, "calls.change", call.org_path)


@login_required
def call_applications(request, pk: int):
    call = _call(request, pk)
    mine = Application.objects.for_user(request.user).filter(call=call)
    apps = mine.select_related("applicant_person", "applicant_org", "nominator")
    flt, apps = _filtered_applications(request, apps)
    can_export = scope_paths(request.user, "calls.export") != []
    batch = _batch_open(request.user, call)
    totals = mine.aggregate(submitted=Count("id", filter=submitted_q()),
                            drafts=Count("id", filter=Q(status=ApplicationStatus.DRAFT)))
    columns = (PICK_COLUMN, *APPLICATION_COLUMNS) if batch else APPLICATION_COLUMNS
    table = Table(request, apps, columns, row_template="calls/applications.html#row", filterset=flt,
                  table_id="applications", default=("id",),
                  export_url=reverse("calls:export", args=[call.pk]) if can_export else "",
                  empty=Empty(_("这个批次在您的范围内还没有申报。申报开放后，申报人在批次页提交申报。"), _("返回批次"),
                              reverse("calls:detail", args=[call.pk]), filtered=_("没有符合条件的申报。")))
    queue_status = formal_queue_status(call)
    return render(request, "calls/applications.html", {
        "call": call, "table": table, "filter": flt, "page": table.page, "totals": totals, "batch": batch,
        "queue_status": queue_status, "queue_label": ApplicationStatus(queue_status).label,
        "reasons": services.FORMAL_REASONS, "query": request.GET.urlencode(), "flow": Application.WORKFLOW})


@login_required
@require_POST
def formal_batch(request, pk: int):
    """通过所选 / 退回所选: each ticked application through the formal check; refused rows are listed with why."""
    call = _call(request, pk, "calls.change")
    form = BatchFormalForm(request.POST, reasons=services.FORMAL_REASONS)
    query = QueryDict(request.POST.get("query", "")[:2000]).urlencode()
    back = reverse("calls:applications", args=[call.pk]) + (f"?{query}" if query else "")
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        d = form.cleaned_data
        passing = d["verdict"] == "pass"  # a pass records no reason: what the return box holds is ignored
        outcome = services.formal_check_batch(request.user, call, d["ids"], d["verdict"],
                                              () if passing else d["reasons"], "" if passing else d["comment"])
    except ValidationError as exc:
        _refuse(request, exc)
        return redirect(back)
    verdict = _("通过") if d["verdict"] == "pass" else _("退回修改")
    if outcome.done:
        messages.success(request, _("已处理 %(n)s 份申报：%(v)s。") % {"n": len(outcome.done), "v": verdict})
    for app_id, title, reason in outcome.failed[:FAILED_SHOWN]:
        messages.error(request, _("“%(t)s”（#%(id)s）未处理：%(r)s") % {"t": title or _("（未命名申报）"), "id": app_id,
                                                                    "r": reason})
    if len(outcome.failed) > FAILED_SHOWN:
        messages.error(request, _("另有 %(n)s 份申报未处理。") % {"n": len(outcome.failed) - FAILED_SHOWN})
    return redirect(back)


FAILED_SHOWN = 20


@login_required
def call_export(request, pk: int):
    call = _call(request, pk)
    apps = Application.objects.for_user(request.user, "calls.export").filter(call=call).select_related(
        "applicant_person", "applicant_org", "nominator").order_by("id")
    apps = _filtered_applications(request, apps)[1]  # the page's filters
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
    usage = quota_usage(call, mine)
    apps = Application.objects.filter(call=call, nominator__in=[q.organisation for q in mine]).exclude(
        status=ApplicationStatus.DRAFT).select_related("applicant_person", "applicant_org", "nominator").order_by(
        "nominator", "id")
    return render(request, "calls/nominations.html", {"call": call, "usage": usage, "apps": apps,
                                                      "open": call.current_stage == Stage.NOMINATE,
                                                      "flow": Application.WORKFLOW})


@login_required
def formal_queue(request, pk: int):
    call = _call(request, pk, "calls.change")
    queue_status = formal_queue_status(call)
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
    person = person_of(request.user)
    if person is None:
        raise PermissionDenied(_("您的账号没有关联科技工作者信息，无法以个人身份申报。"))
    form = ApplyForm(request.POST, nominators=Organisation.objects.filter(call_quotas__call=call))
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        app = services.start_application(request.user, call, person=person, nominator=form.cleaned_data["nominator"],
                                         title=form.cleaned_data["title"])
    except ValidationError as exc:
        _refuse(request, exc)
        return redirect("calls:detail", pk=call.pk)
    return redirect("calls:fill", pk=app.pk)


def _people_formsets(post: Any, app: Application) -> dict[str, Any]:
    """One Django formset per people list of the application page (prefix: the list's key)."""
    return {key: people_formset(n)(post, prefix=key) if post is not None else
            people_formset(n)(prefix=key, initial=people_initial(getattr(app, key)))
            for key, n in LIST_ROWS.items()}


def _formset_errors(formset: Any) -> list[str]:
    errors = [str(e) for e in formset.non_form_errors()]
    for form in formset.forms:
        errors += first_error(form)
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
    form = FillForm(request.POST or None, nominators=nominators,
                      initial={"title": app.title, "nominator": app.nominator_id})
    formsets = _people_formsets(request.POST if request.method == "POST" else None, app)
    if request.method == "POST":
        # The call's own fields are read by the form engine from its schema (kexie.formkit.fill).
        raw = fill.raw_from_post(schema, request.POST)
        errors = fill.store_uploads(schema, f"calls/{app.call_id}/{app.pk}", request.POST, request.FILES, raw,
                                    keep=app.data)
        valid = form.is_valid()
        if not valid:
            errors[S.ALL] = [*errors.get(S.ALL, []), *first_error(form)]
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
            except ApplicationInvalid as exc:
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
    call_staff = user_can(user, "calls.change", call.org_path)
    is_checker = call_staff and call.current_stage == Stage.FORMAL and app.status == formal_queue_status(call)
    can_close = call_staff and flow.allows(app, "close") and Call.WORKFLOW.allows(call, "advance")
    return render(request, "calls/application.html", {
        "app": app, "call": call, "sections": fill.views(call.form_schema or {}, app.data or {}),
        "events": app.events.select_related("actor").order_by("at", "id"), "flow": flow,
        "is_filer": is_filer, "is_nominator": is_nominator, "is_checker": is_checker,
        "can_fill": is_filer and flow.allows(app, "edit"),
        "can_nominate": is_nominator and flow.allows(app, "nominate"),
        "can_check": is_checker and flow.allows(app, "formal_pass"),
        "reasons": services.FORMAL_REASONS,
        "declarations": app.conflict_declarations.select_related("expert"),
        "person": person_of(user),
        "project": Project.objects.filter(application=app).first(),
        "can_close": can_close,
        "close_early": can_close and services.closing_is_early(app),
        "close_deadline": services.resubmission_deadline(app) if can_close else None,
    })


@login_required
@require_POST
def application_nominate(request, pk: int):
    app = _application(request, pk, "calls.change")
    form = NominateForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
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
    form = FormalForm(request.POST, reasons=services.FORMAL_REASONS)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
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
    form = CommentForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        services.withdraw(request.user, app, form.cleaned_data["comment"])
        messages.success(request, _("申报已撤回。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:application", pk=app.pk)


@login_required
@require_POST
def application_close(request, pk: int):
    """关闭申报 (the call's staff): a draft never submitted or a return never resubmitted, with the reason."""
    app = _application(request, pk, "calls.change")
    form = CloseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        app = services.close_application(request.user, app, form.cleaned_data["reason"])
        told = app.applicant_person is not None and app.applicant_person.user_id is not None
        messages.success(request, _("申报已关闭，已通知申报人。") if told else _("申报已关闭。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:application", pk=app.pk)


@login_required
@require_POST
def application_declare(request, pk: int):
    """An expert declares a conflict on an application assigned to them (or staff of the call, in scope)."""
    person = person_of(request.user)
    if person is None:
        raise PermissionDenied(_("只有专家本人或批次主办单位可以申报回避。"))
    app_id = to_id(pk)
    assigned = ReviewAssignment.objects.filter(application_id=app_id, expert=person).select_related(
        "application", "application__call").first() if app_id is not None else None
    app = assigned.application if assigned is not None else _application(request, pk)
    form = DeclareForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        expert_services.declare_conflict(request.user, app, person, form.cleaned_data["reason"])
        messages.success(request, _("回避声明已记录。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:application", pk=app.pk)
