"""Pages of 网上入会. Phone first for applicants (directory, apply, my applications, e-card, verify), desktop and
Excel for the society's staff (queue, settings, dues). Thin: input through ``forms``, writes in ``services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.export import xlsx_response
from kexie.core.http import client_ip, error_messages, forbidden, paginate, to_id
from kexie.core.ratelimit import hit
from kexie.core.scope import get_in_scope, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.members import services as member_services
from kexie.members.joining import forms as f
from kexie.members.joining import group_services as gsvc
from kexie.members.joining import services as svc
from kexie.members.joining.payments import backend
from kexie.members.models import Membership
from kexie.members.models_joining import GroupApplication, JoinSettings, MembershipApplication
from kexie.orgs.models import Organisation, Region
from kexie.reviewing import decisions


def _verify_url() -> str:
    try:
        return reverse("signup:verify")
    except NoReverseMatch:
        return ""


def _regions() -> list[tuple[str, str]]:
    ids = JoinSettings.objects.for_public().values("society__region_id")
    regions = Region.objects.filter(Q(pk__in=ids) | Q(children__pk__in=ids) | Q(parent__isnull=True)).distinct()
    return [(r.code, r.name) for r in regions.order_by("code")[:200]]


# ---- the directory (anyone) -------------------------------------------------------------------------------
def societies(request):
    form = f.DirectoryForm(request.GET or None, regions=_regions())
    values = form.values() if request.GET else {"q": "", "discipline": "", "region": "", "employer": ""}
    page = paginate(request, svc.directory(**values).prefetch_related("disciplines"), per_page=20)
    person = svc.person_of(request.user)
    recommended = svc.recommendations(person) if person is not None and not any(values.values()) else []
    return render(request, "members/joining/societies.html", {
        "form": form, "page": page, "recommended": recommended, "person": person, "filtered": any(values.values())})


def _open_settings(pk: int) -> JoinSettings:
    s: JoinSettings | None = (JoinSettings.objects.for_public().select_related("society", "society__kind")
                              .filter(society_id=to_id(pk)).first())
    if s is None:
        raise Http404(_("该学会不存在或暂未开放网上入会。"))
    return s


def _refs(formset: Any) -> list[svc.RefereeInput]:
    return svc.referee_inputs(form.cleaned_data for form in formset.forms if form.is_valid())


@login_required
def apply(request, pk: int):
    s = _open_settings(pk)
    society = s.society
    person = svc.person_of(request.user)
    context: dict[str, Any] = {"s": s, "society": society, "person": person, "verify_url": _verify_url()}
    if person is None:
        return render(request, "members/joining/apply.html", context)
    member = svc.live_membership(person, society)
    pending = svc.open_application(person, society)
    if (member is not None and member.status != "pending") or pending is not None:
        context.update(member=member, pending=pending)
        return render(request, "members/joining/apply.html", context)
    posted = request.method == "POST"
    form = f.ApplyForm(request.POST if posted else None, settings=s)
    refs = f.referee_formset(s, request.POST if posted else None)
    status = 200
    if posted:
        if form.is_valid() and refs.is_valid():
            try:
                app = svc.apply(request.user, society, category=form.cleaned_data["category"],
                                statement=form.cleaned_data["statement"], referees=_refs(refs))
                messages.success(request, _("入会申请已提交，%(s)s将在 %(d)s 天内办理。") % {
                    "s": society.name, "d": s.decision_days})
                return redirect("members:application", pk=app.pk)
            except (ValidationError, PermissionDenied) as exc:
                context["errors"] = error_messages(exc)
        status = 400
    context.update(form=form, refs=refs)
    return render(request, "members/joining/apply.html", context, status=status)


# ---- the applicant ----------------------------------------------------------------------------------------
@login_required
def my_applications(request):
    person = svc.person_of(request.user)
    groups = list(gsvc.my_group_applications(request.user)[:50])
    if person is None:
        return render(request, "members/joining/mine.html", {"person": None, "verify_url": _verify_url(),
                                                             "group_applications": groups})
    return render(request, "members/joining/mine.html", {
        "person": person, "memberships": list(svc.my_memberships(person)),
        "applications": list(svc.my_applications(person)[:50]), "group_applications": groups})


def _application(request, pk: int) -> MembershipApplication:
    person = svc.person_of(request.user)
    own = Q(person=person) if person is not None else None
    app: MembershipApplication = get_in_scope(
        MembershipApplication.objects.select_related("society", "person", "decided_by", "membership"),
        request.user, pk, "members.view", own=own)
    return app


@login_required
def application(request, pk: int):
    app = _application(request, pk)
    mine = svc.is_applicant(request.user, app)
    viewer = user_can(request.user, "members.view", app.org_path)
    return render(request, "members/joining/application.html", {
        "app": app, **decisions.page(request, app, "members.change", mine=mine),
        "referees": list(app.referees.select_related("person")), "show_person": viewer or mine})


@login_required
def application_edit(request, pk: int):
    app = _application(request, pk)
    refused = decisions.resubmit_refused(request, app, "members:application", mine=svc.is_applicant(request.user, app),
                                         refusal=_("只有申请人本人可以修改入会申请。"))
    if refused is not None:
        return refused
    s = JoinSettings.objects.for_public().filter(society_id=app.society_id).first()
    if s is None:
        messages.error(request, _("该学会暂未开放网上入会。"))
        return redirect("members:application", pk=app.pk)
    posted = request.method == "POST"
    initial_refs = [{"name": r.name, "employer": r.employer, "phone": ""} for r in app.referees.all()]
    form = f.ApplyForm(request.POST if posted else None, settings=s,
                       initial={"category": app.category, "statement": app.statement})
    refs = f.referee_formset(s, request.POST if posted else None, initial=initial_refs)
    errors: list[str] = []
    if posted:
        if form.is_valid() and refs.is_valid():
            try:
                svc.resubmit(request.user, app, category=form.cleaned_data["category"],
                             statement=form.cleaned_data["statement"], referees=_refs(refs))
                messages.success(request, _("已重新提交入会申请。"))
                return redirect("members:application", pk=app.pk)
            except (ValidationError, PermissionDenied) as exc:
                errors = error_messages(exc)
    return render(request, "members/joining/apply.html", {
        "s": s, "society": app.society, "person": app.person, "form": form, "refs": refs, "errors": errors,
        "app": app}, status=400 if posted else 200)


@login_required
@require_POST
def application_act(request, pk: int):
    return decisions.act(request, _application(request, pk), f.DecideForm, "members:application", APPLICATION_STEPS)


APPLICATION_STEPS = decisions.steps(svc.approve, lambda m: _("已批准入会，会员号 %(n)s。") % {"n": m.number},
                                    svc.return_, svc.reject, svc.withdraw, gettext_lazy("已撤回入会申请。"))


# ---- 单位入会 (decision 0036) -------------------------------------------------------------------------------
def _unit_input(data: dict[str, Any]) -> gsvc.UnitInput:
    return gsvc.UnitInput(unit_name=data["unit_name"], unit_uscc=data["unit_uscc"], unit_kind=data["unit_kind"],
                          region=data["region"], contact_name=data["contact_name"],
                          contact_phone=data["contact_phone"], statement=data["statement"])


@login_required
def group_apply(request, pk: int):
    s = _open_settings(pk)
    if not s.accepts_groups:
        raise Http404(_("该学会暂未开放单位会员网上入会。"))
    posted = request.method == "POST"
    form = f.GroupApplyForm(request.POST if posted else None, request.FILES if posted else None)
    errors: list[str] = []
    if posted and form.is_valid():
        try:
            app = gsvc.apply_group(request.user, s.society, _unit_input(form.cleaned_data),
                                   letter=form.cleaned_data.get("letter") or None)
            messages.success(request, _("单位入会申请已提交，%(s)s将在 %(d)s 天内办理。") % {
                "s": s.society.name, "d": s.decision_days})
            return redirect("members:group-application", pk=app.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "members/joining/group_apply.html", {
        "s": s, "society": s.society, "form": form, "errors": errors}, status=400 if posted else 200)


def _group_application(request, pk: int) -> GroupApplication:
    app: GroupApplication = get_in_scope(
        GroupApplication.objects.select_related("society", "region", "applicant", "decided_by", "group_membership",
                                                "organisation"),
        request.user, pk, "members.view", own=Q(applicant_id=request.user.pk))
    return app


@login_required
def group_application(request, pk: int):
    app = _group_application(request, pk)
    full_phone = ""
    if request.method == "POST" and request.POST.get("reveal") == "contact_phone":
        try:
            full_phone = gsvc.reveal_contact_phone(request.user, app, client_ip(request))
        except PermissionDenied as exc:
            return forbidden(exc, request)
    return render(request, "members/joining/group_application.html", {
        "app": app, "full_phone": full_phone,
        **decisions.page(request, app, "members.change", mine=gsvc.is_group_applicant(request.user, app))})


@login_required
def group_application_edit(request, pk: int):
    app = _group_application(request, pk)
    refused = decisions.resubmit_refused(request, app, "members:group-application",
                                         mine=gsvc.is_group_applicant(request.user, app),
                                         refusal=_("只有提交申请的经办人可以修改单位入会申请。"))
    if refused is not None:
        return refused
    s = JoinSettings.objects.for_public().filter(society_id=app.society_id, accepts_groups=True).first()
    if s is None:
        messages.error(request, _("该学会暂未开放单位会员网上入会。"))
        return redirect("members:group-application", pk=app.pk)
    posted = request.method == "POST"
    initial = {"unit_name": app.unit_name, "unit_uscc": app.unit_uscc, "unit_kind": app.unit_kind,
               "region": app.region_id, "contact_name": app.contact_name, "statement": app.statement}
    form = f.GroupApplyForm(request.POST if posted else None, request.FILES if posted else None, initial=initial)
    errors: list[str] = []
    if posted and form.is_valid():
        letter = form.cleaned_data.get("letter")
        try:
            gsvc.resubmit_group(request.user, app, _unit_input(form.cleaned_data), letter=letter or None,
                                clear_letter=letter is False)
            messages.success(request, _("已重新提交单位入会申请。"))
            return redirect("members:group-application", pk=app.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "members/joining/group_apply.html", {
        "s": s, "society": app.society, "form": form, "errors": errors, "app": app}, status=400 if posted else 200)


@login_required
@require_POST
def group_application_act(request, pk: int):
    return decisions.act(request, _group_application(request, pk), f.DecideForm, "members:group-application",
                         GROUP_STEPS)


GROUP_STEPS = decisions.steps(gsvc.approve_group, lambda gm: _("已批准单位入会，单位会员号 %(n)s。") % {"n": gm.number},
                              gsvc.return_group, gsvc.reject_group, gsvc.withdraw_group,
                              gettext_lazy("已撤回单位入会申请。"), returned=gettext_lazy("已退回申请单位修改。"))


@login_required
def group_letter(request, pk: int):
    """The unit's letter (单位公函), from private storage: the applicant and the society's staff only."""
    app = _group_application(request, pk)
    if not app.letter:
        raise Http404(_("该申请没有上传单位公函。"))
    try:
        handle = app.letter.open("rb")
    except OSError:
        raise Http404(_("该申请没有上传单位公函。")) from None
    return FileResponse(handle, as_attachment=True, filename=app.letter_name or "letter")


# ---- the society's staff ----------------------------------------------------------------------------------
QUEUE_COLUMNS = (
    Column("person", gettext_lazy("申请人"), ("person__name",)),
    Column("society", gettext_lazy("学会"), ("society__name",)),
    Column("category", gettext_lazy("类别"), ("category",), "hide-sm"),
    Column("submitted", gettext_lazy("提交时间"), ("submitted_at",)),
    Column("due", gettext_lazy("审批期限"), ("due_at",)),
    Column("status", gettext_lazy("状态"), ("status",)),
)


GROUP_QUEUE_COLUMNS = (
    Column("unit", gettext_lazy("申请单位"), ("unit_name",)),
    Column("society", gettext_lazy("学会"), ("society__name",)),
    Column("kind", gettext_lazy("单位类型"), ("unit_kind",), "hide-sm"),
    Column("contact", gettext_lazy("联系人"), ("contact_name",), "hide-sm"),
    Column("submitted", gettext_lazy("提交时间"), ("submitted_at",)),
    Column("due", gettext_lazy("审批期限"), ("due_at",)),
    Column("status", gettext_lazy("状态"), ("status",)),
)


def _queue(request) -> tuple[Any, f.QueueFilter, bool]:
    """The queue of personal applications, or with ``kind=group`` of unit applications (单位入会)."""
    flt = f.QueueFilter(request.GET)
    flt.is_valid()
    data = getattr(flt, "cleaned_data", {})
    groups = data.get("kind") == "group"
    qs: Any = gsvc.group_queue(request.user) if groups else svc.staff_queue(request.user)
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    text = str(data.get("q") or "").strip()
    if text:
        who = Q(unit_name__contains=text) | Q(unit_uscc=text.upper()) if groups else Q(person__name__startswith=text)
        qs = qs.filter(who | Q(society__name__contains=text))
    return qs, flt, groups


@login_required
def queue(request):
    qs, flt, groups = _queue(request)
    if groups:
        table = Table(request, qs, GROUP_QUEUE_COLUMNS, row_template="members/joining/queue.html#group_row",
                      filterset=flt, export_url=reverse("members:queue-export"), table_id="group-queue",
                      default=("-submitted_at", "-id"),
                      empty=Empty(_("暂无单位入会申请。在入会设置中接受单位会员后，单位的申请会出现在这里。"),
                                  _("网上入会目录"), reverse("members:societies"),
                                  filtered=_("没有符合条件的单位入会申请。")))
    else:
        table = Table(request, qs, QUEUE_COLUMNS, row_template="members/joining/queue.html#row", filterset=flt,
                      export_url=reverse("members:queue-export"), table_id="join-queue",
                      default=("-submitted_at", "-id"),
                      empty=Empty(_("暂无入会申请。开放网上入会后，科技工作者的申请会出现在这里。"),
                                  _("网上入会目录"), reverse("members:societies"),
                                  filtered=_("没有符合条件的入会申请。")))
    own = Organisation.objects.for_user(request.user, "members.change").filter(
        kind__code__in=("society", "society_branch", "agri_assoc"), deleted_at__isnull=True).order_by("path")[:20]
    waiting = {
        "people": svc.staff_queue(request.user).filter(status="submitted").count(),
        "groups": gsvc.group_queue(request.user).filter(status="submitted").count(),
    }
    return render(request, "members/joining/queue.html", {"table": table, "filter": flt, "own": list(own),
                                                          "groups": groups, "waiting": waiting})


def _group_export(request, qs: Any) -> FileResponse:
    qs = qs.filter(pk__in=GroupApplication.objects.for_user(request.user, "members.export").values("pk"))
    headers = [_("申请单位"), _("统一社会信用代码"), _("单位类型"), _("所在地区"), _("学会"), _("联系人"), _("联系电话"),
               _("状态"), _("提交时间"), _("审批期限"), _("理由"), _("单位会员号")]
    rows = ((a.unit_name, a.unit_uscc, a.get_unit_kind_display(), a.region.name if a.region else "", a.society.name,
             a.contact_name, a.contact_phone_masked, a.get_status_display(), a.submitted_at, a.due_at, a.reason,
             a.group_membership.number if a.group_membership else "")
            for a in qs.select_related("group_membership").order_by("-submitted_at").iterator(chunk_size=2000))
    return xlsx_response(_("单位入会申请"), _("单位入会申请"), headers, rows)


@login_required
def queue_export(request):
    qs, _flt, groups = _queue(request)
    if groups:
        return _group_export(request, qs)
    qs = qs.filter(pk__in=MembershipApplication.objects.for_user(request.user, "members.export").values("pk"))
    headers = [_("申请人"), _("学会"), _("会员类别"), _("状态"), _("提交时间"), _("审批期限"), _("理由"), _("会员号")]
    rows = ((a.person.name, a.society.name, a.get_category_display(), a.get_status_display(), a.submitted_at,
             a.due_at, a.reason, a.membership.number if a.membership else "")
            for a in qs.select_related("membership").order_by("-submitted_at").iterator(chunk_size=2000))
    return xlsx_response(_("入会申请"), _("入会申请"), headers, rows)


@login_required
def join_settings(request, pk: int):
    society: Organisation = get_in_scope(Organisation.objects.select_related("kind"), request.user, pk,
                                         "members.change")
    if not svc.joinable(society):
        raise Http404(_("只有学会、学会分支机构和农技协可以开放网上入会。"))
    current = JoinSettings.objects.filter(society=society).first()
    posted = request.method == "POST"
    form = f.SettingsForm(request.POST if posted else None, initial=f.SettingsForm.initial_from(current))
    errors: list[str] = []
    if posted and form.is_valid():
        try:
            svc.save_settings(request.user, society, form.service_data())
            messages.success(request, _("入会设置已保存。"))
            return redirect("members:join-settings", pk=society.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    return render(request, "members/joining/settings.html", {
        "society": society, "form": form, "errors": errors, "current": current},
        status=400 if posted else 200)


@login_required
def dues(request, pk: int):
    m: Membership = get_in_scope(Membership.objects.select_related("person", "society"), request.user, pk,
                                 "members.change")
    posted = request.method == "POST"
    form = f.DuesForm(request.POST if posted else None)
    errors: list[str] = []
    if posted and form.is_valid():
        try:
            member_services.record_dues(request.user, m, **form.cleaned_data)
            messages.success(request, _("已登记会费。"))
            return redirect("members:dues", pk=m.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    s = JoinSettings.objects.filter(society_id=m.society_id).first()
    return render(request, "members/joining/dues.html", {
        "m": m, "form": form, "errors": errors, "payments": m.payments.select_related("recorded_by")[:50],
        "yearly": s.dues_for(m.category) if s else None}, status=400 if posted else 200)


# ---- the member's card and certificate --------------------------------------------------------------------
def _membership(request, pk: int) -> Membership:
    person = svc.person_of(request.user)
    own = Q(person=person) if person is not None else None
    m: Membership = get_in_scope(Membership.objects.select_related("person", "society"), request.user, pk,
                                 "members.view", own=own)
    return m


@login_required
def card(request, pk: int):
    m = _membership(request, pk)
    cert = None
    problem = ""
    try:
        cert = svc.certificate_for(request.user, m)
    except (ValidationError, PermissionDenied) as exc:
        problem = " ".join(error_messages(exc))
    verify_path = reverse("members:verify-code", args=[cert.code]) if cert else ""
    verify_url = request.build_absolute_uri(verify_path) if verify_path else ""
    s = JoinSettings.objects.filter(society_id=m.society_id).first()
    pay = backend().start(m, timezone.localdate().year, Decimal(s.dues_for(m.category))) if s and svc.is_member_self(
        request.user, m) else None
    from kexie.members.joining.certificates import qr_svg

    return render(request, "members/joining/card.html", {
        "m": m, "cert": cert, "problem": problem, "verify_url": verify_url,
        "qr": qr_svg(verify_url, title=_("扫码核验会员身份")), "pay": pay,
        "staff": user_can(request.user, "members.change", m.org_path)})


@login_required
def certificate(request, pk: int):
    m = _membership(request, pk)
    try:
        cert = svc.certificate_for(request.user, m)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return redirect("members:card", pk=m.pk)
    from kexie.members.joining.certificates import qr_svg, render_certificate  # WeasyPrint loads only here

    verify_url = request.build_absolute_uri(reverse("members:verify-code", args=[cert.code]))
    pdf = render_certificate({"m": m, "cert": cert, "verify_url": verify_url,
                              "qr": qr_svg(verify_url, title=_("扫码核验会员身份"), sized=False)})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{m.pk}.pdf"'
    return response


# ---- verification (anyone) --------------------------------------------------------------------------------
def verify(request, code: str = ""):
    raw = code or request.GET.get("code", "")
    form = f.VerifyForm({"code": raw} if raw else None)
    result = None
    status = 200
    if raw:
        if not hit(request, "members-verify", "60/10m"):
            return render(request, "members/joining/verify.html", {"form": form, "limited": True}, status=429)
        result = svc.verify(raw if form.is_valid() else "")
    return render(request, "members/joining/verify.html", {"form": form, "result": result}, status=status)
