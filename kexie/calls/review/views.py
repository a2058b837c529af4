"""Pages of reviewing and results (decision 0013 "Reviewing and results"). Thin: writes are in ``review``.

Reviewer identity never reaches an applicant's page (opinions are 专家 1, 专家 2 …); the applicant's identity never
reaches a reviewer's page when the call is blind (an anonymised code instead)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.calls.common import person_of
from kexie.calls.formfields import filter_values, first_error
from kexie.calls.models import (
    Appeal,
    AppealStatus,
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    CaseStatus,
    Objection,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewStatus,
    Stage,
    Vote,
)
from kexie.calls.pages import _application, _call, _refuse
from kexie.calls.review import forms as F
from kexie.calls.review import publication
from kexie.calls.review import services as review
from kexie.core.export import xlsx_sheets_response
from kexie.core.scope import get_in_scope, user_can
from kexie.core.tables import Column, Empty, Table


def _my_assignment(request: Any, pk: int) -> ReviewAssignment:
    person = person_of(request.user)
    found = None
    if person is not None:
        found = ReviewAssignment.objects.select_related("call", "application").filter(pk=pk, expert=person).first()
    if found is None:
        raise Http404(_("记录不存在或您无权访问。"))
    return found


def _label(app: Application, call: Call) -> str:
    return review.anon_code(app) if call.blind else app.applicant_name


# ---- reviewer -----------------------------------------------------------------------------------
MY_REVIEW_COLUMNS = (
    Column("call", gettext_lazy("申报批次"), ("call__year", "call__name")),
    Column("application", gettext_lazy("申报名称"), ("application__title",)),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("assigned", gettext_lazy("分配时间"), ("created_at",)),
)


@login_required
def my_reviews(request):
    """The caller's own assignments (released ones left out), as cards on a phone: sort, filter, pages."""
    person = person_of(request.user)
    qs = ReviewAssignment.objects.none()
    if person is not None:
        qs = ReviewAssignment.objects.filter(expert=person).exclude(status=AssignmentStatus.RELEASED).select_related(
            "call", "application", "application__applicant_person", "application__applicant_org")
    flt = F.MyReviewsFilter(request.GET)
    status = filter_values(flt).get("status")
    if status:
        qs = qs.filter(status=status)
    table = Table(request, qs, MY_REVIEW_COLUMNS, row_template="calls/my_reviews.html#row", filterset=flt,
                  per_page=30, default=("-call__year", "call_id", "application_id"), empty=Empty(
                      _("目前没有分配给您的评审任务。分配后会发站内通知，任务也会列在这里。"), _("查看通知"),
                      reverse("notices:inbox"), filtered=_("没有符合条件的评审任务。")))
    rows = list(table.page.object_list)
    for a in rows:
        a.who = _label(a.application, a.call)
        a.deadline = a.call.deadline_of(a.stage)
    table.page.object_list = rows
    return render(request, "calls/my_reviews.html", {"table": table, "filter": flt, "page": table.page})


@login_required
def review_form(request, pk: int):
    assignment = _my_assignment(request, pk)
    call, app = assignment.call, assignment.application
    current = Review.objects.filter(assignment=assignment).first()
    errors: list[str] = []
    status = 200
    form = F.ReviewForm(request.POST or None, rubric=call.rubric,
                        initial={"comment": current.comment if current else "",
                                 "recommendation": current.recommendation if current else ""})
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(first_error(form))
            d = form.cleaned_data
            current = review.save_review(request.user, assignment, scores=form.scores(), comment=d["comment"],
                                         recommendation=d["recommendation"], submit=d["action"] == "submit")
            messages.success(request, _("评审意见已提交。") if current.status == ReviewStatus.SUBMITTED
                             else _("草稿已保存。"))
            return redirect("calls:review", pk=assignment.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = list(getattr(exc, "messages", [str(exc)]))
            status = 400
    posted = {k: form[f"s-{k}"].value() or "" for k in form.keys} if request.method == "POST" else {}
    values = (current.scores if current else {}) | posted
    criteria = [{**c, "value": values.get(str(c["key"]), "")} for c in call.rubric or []]
    return render(request, "calls/review_form.html", {
        "assignment": assignment, "call": call, "app": app, "code": review.anon_code(app),
        "who": _label(app, call), "review": current, "criteria": criteria, "errors": errors,
        "recommendations": Recommendation.choices, "deadline": call.deadline_of(assignment.stage),
        "done": current is not None and not Review.WORKFLOW.allows(current, "submit"),
        "comment": form["comment"].value() or "", "recommendation": form["recommendation"].value() or "",
        "form": form, "flow": Review.WORKFLOW,
    }, status=status)


# ---- staff --------------------------------------------------------------------------------------
@login_required
@require_POST
def assign(request, pk: int):
    call = _call(request, pk, "calls.change")
    form = F.AssignForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        out = review.run_assignment(request.user, call, mode=form.cleaned_data["mode"] or "optimal")
        messages.success(request, _("已分配 %(n)s 个评审任务。") % {"n": out.created})
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:results", pk=call.pk)


@login_required
def results_page(request, pk: int):
    call = _call(request, pk, "calls.change")
    res = publication.compute_results(call)
    rows = [{"app": a, **r} for a, r in zip(res.applications, res.rows, strict=True)]
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["app"].pk))
    assigned = ReviewAssignment.objects.filter(call=call).exclude(status=AssignmentStatus.RELEASED).count()
    submitted = Review.objects.filter(call=call, status=ReviewStatus.SUBMITTED).count()
    return render(request, "calls/results.html", {
        "call": call, "rows": rows, "line": res.line, "assigned": assigned, "submitted": submitted,
        "objections": Objection.objects.filter(call=call).select_related("application").order_by("status", "pk"),
        "appeals": Appeal.objects.filter(call=call).select_related("application").order_by("status", "pk"),
        "panel": review.panel_of(call) if call.current_stage == Stage.REVIEW_MEETING else [],
        "votes": Vote.choices, "case_statuses": CaseStatus, "appeal_statuses": AppealStatus,
        "appeal_flow": Appeal.WORKFLOW, "objection_flow": Objection.WORKFLOW, "flow": Application.WORKFLOW,
        "can_assign": call.current_stage in (Stage.REVIEW_CORR, Stage.REVIEW_MEETING),
        "can_publish": call.current_stage == Stage.NOTICE and call.notice_starts is None,
        "can_finalise": call.current_stage == Stage.RESULT and call.results_published_at is None,
        "today": timezone.localdate(),
    })


@login_required
@require_POST
def publish(request, pk: int):
    call = _call(request, pk, "calls.change")
    form = F.PickForm(request.POST, ids=call.applications.values_list("pk", flat=True))
    try:
        if not form.is_valid():
            raise ValidationError(_("请选择评审中的申报进行公示。"))
        publication.publish_notice(request.user, call, form.cleaned_data["apps"])
        messages.success(request, _("公示已发布。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:results", pk=call.pk)


@login_required
@require_POST
def finalise(request, pk: int):
    call = _call(request, pk, "calls.change")
    form = F.PickForm(request.POST, ids=call.applications.values_list("pk", flat=True))
    try:
        if not form.is_valid():
            raise ValidationError(_("入选名单中有不在评审中的申报。"))
        publication.finalise(request.user, call, form.cleaned_data["apps"])
        messages.success(request, _("结果已发布。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:results", pk=call.pk)


@login_required
@require_POST
def vote(request, pk: int):
    app = Application.objects.select_related("call").filter(pk=pk).first()
    if app is None:
        raise Http404(_("记录不存在或您无权访问。"))
    panel = review.panel_of(app.call) if app.call.expert_library_id else []
    person = person_of(request.user)
    staff = user_can(request.user, "calls.change", app.call.org_path)
    form = F.VoteForm(request.POST)
    valid = form.is_valid()
    member = next((p for p in panel if person is not None and p.pk == person.pk), None)
    chosen = form.cleaned_data.get("member") if valid else None
    if staff and chosen:
        member = next((p for p in panel if p.pk == chosen), None)
    if member is None:
        if not staff:
            raise Http404(_("记录不存在或您无权访问。"))
        messages.error(request, _("请选择评审委员。"))
        return redirect("calls:results", pk=app.call_id)
    try:
        if not valid:
            raise ValidationError(first_error(form))
        review.cast_vote(request.user, app, member, form.cleaned_data["vote"], form.cleaned_data["round"] or 1)
        messages.success(request, _("表决已记录。"))
    except ValidationError as exc:
        _refuse(request, exc)
    if staff:
        return redirect("calls:results", pk=app.call_id)
    return redirect("calls:my-reviews")


@login_required
@require_POST
def objection_handle(request, pk: int):
    obj: Objection = get_in_scope(Objection.objects.select_related("call"), request.user, pk, "calls.change")
    if not user_can(request.user, "calls.change", obj.call.org_path):
        raise Http404(_("记录不存在或您无权访问。"))
    form = F.CaseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        publication.handle_objection(request.user, obj, form.cleaned_data["verdict"], form.cleaned_data["reason"])
        messages.success(request, _("异议处理结果已保存。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:results", pk=obj.call_id)


@login_required
@require_POST
def appeal_decide(request, pk: int):
    appeal: Appeal = get_in_scope(Appeal.objects.select_related("call"), request.user, pk, "calls.change")
    if not user_can(request.user, "calls.change", appeal.call.org_path):
        raise Http404(_("记录不存在或您无权访问。"))
    form = F.AppealDecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        publication.decide_appeal(request.user, appeal, form.cleaned_data["verdict"], form.cleaned_data["decision"])
        messages.success(request, _("复审决定已保存。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:results", pk=appeal.call_id)


@login_required
def export_all(request, pk: int):
    """The whole call in one workbook: applications, reviews (raw scores per criterion), results, cases."""
    call = _call(request, pk, "calls.change")
    rubric = call.rubric or []
    res = publication.compute_results(call)
    apps = Application.objects.filter(call=call).select_related("applicant_person", "applicant_org",
                                                                "nominator").order_by("pk")
    app_rows = ([a.pk, review.anon_code(a), a.title, a.applicant_name, a.nominator.name if a.nominator else "",
                 a.get_status_display(), a.status_reason] for a in apps.iterator(chunk_size=500))
    reviews = Review.objects.filter(call=call).select_related("reviewer").order_by("application_id", "pk")
    review_rows = ([r.application_id, r.reviewer.name, r.get_status_display(),
                    *[r.scores.get(str(c["key"]), "") for c in rubric], r.total if r.total is not None else "",
                    r.get_recommendation_display(), r.comment,
                    timezone.localtime(r.submitted_at).replace(tzinfo=None) if r.submitted_at else ""]
                   for r in reviews.iterator(chunk_size=500))
    result_rows = ([a.pk, a.title, r["n"], r["raw"], r["z"], r["corrected"], r["low"], r["high"], r["rank"],
                    r["grey"], r["proposed"],
                    *((r["votes"] or {}).get(k, "") for k in ("round", "yes", "no", "abstain"))]
                   for a, r in zip(res.applications, res.rows, strict=True))
    objection_rows = ([o.application_id, o.name, o.text, o.get_status_display(), o.handling_reason,
                       timezone.localtime(o.lodged_at).replace(tzinfo=None)]
                      for o in Objection.objects.filter(call=call).order_by("pk"))
    appeal_rows = ([p.application_id, p.reasons, p.get_status_display(), p.decision, p.decide_by,
                    timezone.localtime(p.lodged_at).replace(tzinfo=None)]
                   for p in Appeal.objects.filter(call=call).order_by("pk"))
    return xlsx_sheets_response(f"{call.code}-all", [
        (_("申报"), [_("编号"), _("匿名编号"), _("申报名称"), _("申报人/单位"), _("推荐单位"), _("状态"), _("意见")],
         app_rows),
        (_("评审意见"), [_("申报编号"), _("评审专家"), _("状态"), *[str(c["label"]) for c in rubric], _("加权总分"),
                     _("推荐意见"), _("评审意见"), _("提交时间")], review_rows),
        (_("评审结果"), [_("申报编号"), _("申报名称"), _("评审数"), _("原始均分"), _("标准分均值"), _("校正分"),
                     _("区间下限"), _("区间上限"), _("排名"), _("临界区"), _("建议入选"), _("表决轮次"),
                     _("赞成"), _("反对"), _("弃权")], result_rows),
        (_("公示异议"), [_("申报编号"), _("异议人"), _("异议内容"), _("状态"), _("处理意见"), _("提交时间")],
         objection_rows),
        (_("复审"), [_("申报编号"), _("复审理由"), _("状态"), _("复审决定"), _("决定期限"), _("申请时间")],
         appeal_rows),
    ])


# ---- public notice ------------------------------------------------------------------------------
@login_required
def notice(request, pk: int):
    call = _call(request, pk)
    apps = (Application.objects.filter(call=call, status=ApplicationStatus.PUBLICISED).select_related(
        "applicant_person", "applicant_org", "nominator").order_by("pk") if call.notice_starts else [])
    return render(request, "calls/notice.html", {"call": call, "apps": apps, "open": publication.notice_open(call)})


@login_required
@require_POST
def object_to(request, pk: int):
    app = Application.objects.select_related("call").filter(pk=pk, status=ApplicationStatus.PUBLICISED).first()
    if app is None or app.call.deleted_at is not None:
        raise Http404(_("记录不存在或您无权访问。"))
    form = F.ObjectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        d = form.cleaned_data
        publication.lodge_objection(request.user, app, name=d["name"], contact=d["contact"], text=d["text"])
        messages.success(request, _("异议已提交，我们将依规处理。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:notice", pk=app.call_id)


# ---- applicant ----------------------------------------------------------------------------------
def result_context(request: Any, app: Application) -> dict[str, Any]:
    """What the applicant's result page shows (also the PDF result letter, ``letters.letter``)."""
    call = app.call
    published = call.results_published_at is not None
    appeal = Appeal.objects.filter(application=app).first()
    deadline = publication.appeal_deadline(call)
    return {
        "app": app, "call": call, "published": published, "appeal": appeal, "deadline": deadline,
        "opinions": publication.opinions_for_applicant(app) if published else [],
        "rubric": {str(c["key"]): c["label"] for c in call.rubric or []},
        "final": published and Application.WORKFLOW.allows(app, "appeal"),
        "can_appeal": published and appeal is None and deadline is not None and timezone.localdate() <= deadline
        and Application.WORKFLOW.allows(app, "appeal")
        and (publication.is_applicant(request.user, app) or user_can(request.user, "calls.change", app.org_path)),
    }


@login_required
def result(request, pk: int):
    return render(request, "calls/result.html", result_context(request, _application(request, pk)))


@login_required
@require_POST
def appeal(request, pk: int):
    app = _application(request, pk, "calls.change")
    form = F.AppealForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        publication.lodge_appeal(request.user, app, form.cleaned_data["reasons"])
        messages.success(request, _("复审申请已提交。"))
    except ValidationError as exc:
        _refuse(request, exc)
    return redirect("calls:result", pk=app.pk)
