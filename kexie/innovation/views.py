"""Pages of 数字科创. Thin: writes are in ``services``. Who sees a need: ``services.visible_q``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kexie.calls.eligibility import GOOD_STANDING
from kexie.core.http import error_messages, paginate, to_id
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.innovation import recommend, services
from kexie.innovation.data.industries import DIVISIONS
from kexie.innovation.forms import EnterpriseForm, NeedForm
from kexie.innovation.models import (
    Dispatch,
    DispatchStatus,
    Enterprise,
    MatchFeedback,
    Need,
    NeedKind,
    NeedStatus,
)
from kexie.orgs.models import Organisation
from kexie.people.models import Person

INDUSTRY_NAMES = {code: name for code, name, _s in DIVISIONS}


def _visible(user: Any) -> Any:
    return Need.objects.alive().filter(services.visible_q(user)).distinct()


def _need(request: Any, pk: int) -> Need:
    need: Need | None = _visible(request.user).select_related("enterprise", "owner", "region").filter(pk=pk).first()
    if need is None:
        raise Http404(_("记录不存在或您无权访问。"))
    return need


def _refuse(request: Any, exc: Exception) -> None:
    for m in error_messages(exc):
        messages.error(request, m)


@login_required
def need_list(request):
    qs = _visible(request.user).select_related("enterprise", "owner")
    status, kind = request.GET.get("status", ""), request.GET.get("kind", "")
    if status in NeedStatus.values:
        qs = qs.filter(status=status)
    if kind in NeedKind.values:
        qs = qs.filter(kind=kind)
    ent = services.enterprise_of(request.user)
    pending = Enterprise.objects.for_user(request.user, "change").alive().filter(status="pending")[:20]
    person = Person.objects.filter(user=request.user, deleted_at__isnull=True).first()
    return render(request, "innovation/needs.html", {
        "for_me": recommend.needs_for_person(person) if person is not None and person.expertise else [],
        "page": paginate(request, qs.order_by("-created_at", "-id")), "status": status, "kind": kind,
        "statuses": NeedStatus.choices, "kinds": NeedKind.choices, "enterprise": ent,
        "registered": Enterprise.objects.alive().filter(users=request.user).first(),
        "can_create": ent is not None or scope_paths(request.user, "change") != [], "pending": pending,
    })


def _owners(user: Any) -> Any:
    return Organisation.objects.for_user(user, "change").alive().filter(kind__code="kx").order_by("path")[:200]


@login_required
def need_create(request):
    ent = services.enterprise_of(request.user)
    owners = [] if ent is not None else list(_owners(request.user))
    if ent is None and not owners:
        raise PermissionDenied(_("企业尚未通过核验，暂不能发布需求。"))
    form = NeedForm(request.POST or None, initial={"confidentiality": "public"})
    if request.method == "POST" and form.is_valid():
        owner = None
        if ent is None:
            owner = next((o for o in owners if str(o.pk) == request.POST.get("owner")), None)
            if owner is None:
                form.add_error(None, _("请选择受理科协。"))
        if not form.errors:
            try:
                need = services.create_need(request.user, owner=owner, **form.cleaned_data)
                if request.POST.get("action") == "submit":
                    services.submit_need(request.user, need)
                    messages.success(request, _("需求已提交，等待审核。"))
                else:
                    messages.success(request, _("草稿已保存。"))
                return redirect("innovation:need", pk=need.pk)
            except (ValidationError, PermissionDenied) as exc:
                for m in error_messages(exc):
                    form.add_error(None, m)
    return render(request, "innovation/need_form.html", {"form": form, "owners": owners, "need": None},
                  status=400 if form.errors else 200)


@login_required
def need_edit(request, pk: int):
    need = _need(request, pk)
    if not services.can_edit(request.user, need) or need.status not in services.EDITABLE:
        return redirect("innovation:need", pk=need.pk)
    initial = {k: getattr(need, k) for k in services.NEED_FIELDS}
    initial["region"] = need.region.code if need.region else ""
    form = NeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_need(request.user, need, **form.cleaned_data)
            if request.POST.get("action") == "submit":
                services.submit_need(request.user, need)
                messages.success(request, _("需求已提交，等待审核。"))
            else:
                messages.success(request, _("草稿已保存。"))
            return redirect("innovation:need", pk=need.pk)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
    return render(request, "innovation/need_form.html", {"form": form, "owners": [], "need": need},
                  status=400 if form.errors else 200)


def _matches(request: Any, need: Need) -> tuple[list[Any], str]:
    """The matcher's experts for a need, within the caller's scope; an explanation when it cannot answer."""
    from kexie.innovation import signals
    from kexie.innovation.matching import api
    from kexie.innovation.matching.errors import EmptyQuery

    try:
        results = api.match_need(f"{need.title}\n{need.description}", top=10, industry=need.industry or None,
                                 region=need.region.code if need.region else None,
                                 allowed_paths=scope_paths(request.user, "view"), load=signals.current_load(),
                                 feedback=signals.feedback())
    except EmptyQuery as exc:
        return [], str(exc)
    marks = dict(MatchFeedback.objects.filter(need=need, by=request.user).values_list("person_id", "useful"))
    for r in results:
        r.why["mark"] = marks.get(r.person_id)
    return results, ""


@login_required
def need_detail(request, pk: int):
    need = _need(request, pk)
    user = request.user
    staff = bool(user_can(user, "change", need.org_path))
    editor = services.can_edit(user, need)
    rater = services.is_enterprise_user(user, need) or (need.enterprise_id is None and staff)
    dispatches = [{"d": d, "rateable": rater and d.status == DispatchStatus.DONE and d.rating is None}
                  for d in need.dispatches.select_related("society", "team_leader").prefetch_related("team")
                  .order_by("dispatched_at", "id")]
    matches, match_error = (_matches(request, need) if staff else ([], ""))
    societies = []
    if staff and need.status in services.OPEN_FOR_DISPATCH:
        societies = list(Organisation.objects.for_user(user).alive().filter(kind__code__in=services.SOCIETY_KINDS,
                                                                             depth__lte=3).order_by("path")[:300])
    return render(request, "innovation/need.html", {
        "need": need, "staff": staff, "editor": editor, "dispatches": dispatches,
        "enterprise_user": services.is_enterprise_user(user, need),
        "industry": INDUSTRY_NAMES.get(need.industry, ""), "events": need.events.select_related("actor"),
        "can_edit": editor and need.status in services.EDITABLE,
        "can_review": staff and need.status in (NeedStatus.SUBMITTED, NeedStatus.REVIEWING),
        "can_solve": editor and need.status in (NeedStatus.MATCHED, NeedStatus.MATCHING),
        "can_close": editor and need.status not in (NeedStatus.SOLVED, NeedStatus.CLOSED),
        "societies": societies, "matches": matches, "match_error": match_error,
        "respond_days": services.RESPOND_DAYS,
    })


@login_required
@require_POST
def need_act(request, pk: int):
    need = _need(request, pk)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action == "submit":
            services.submit_need(request.user, need)
        elif action in ("approve", "return", "reject"):
            services.review_need(request.user, need, action, reason)
        elif action == "dispatch":
            given = request.POST.getlist("societies")
            ids = [i for s in given if (i := to_id(s)) is not None]
            chosen = list(Organisation.objects.for_user(request.user).filter(pk__in=ids))
            if len(ids) != len(given) or len(chosen) != len(set(ids)):
                raise ValidationError(_("所选学会不在您的管理范围内。"))
            days = request.POST.get("days", str(services.RESPOND_DAYS))
            services.dispatch(request.user, need, chosen, respond_days=min(to_id(days) or -1, 1000),
                              note=request.POST.get("note", ""))
        elif action == "rate":
            d = need.dispatches.filter(pk=to_id(request.POST.get("dispatch")) or 0).first()
            if d is None:
                raise ValidationError(_("没有这次服务。"))
            services.rate(request.user, d, min(to_id(request.POST.get("rating")) or 0, 1000),
                          request.POST.get("comment", ""))
        elif action == "solve":
            services.solve(request.user, need, request.POST.get("outcome", ""))
        elif action == "close":
            services.close(request.user, need, reason)
        else:
            raise ValidationError(_("未知的操作。"))
        messages.success(request, _("已保存。"))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("innovation:need", pk=need.pk)


@login_required
@require_POST
def need_feedback(request, pk: int):
    need = _need(request, pk)
    person_id = to_id(request.POST.get("person"))
    person = Person.objects.filter(pk=person_id, deleted_at__isnull=True).first() if person_id else None
    if person is None:
        raise Http404(_("没有这位专家。"))
    try:
        services.mark(request.user, need, person, request.POST.get("useful") == "1",
                      to_id(request.POST.get("rank")) or 0)
        messages.success(request, _("已记录您的评价，后续匹配会参考。"))
    except PermissionDenied as exc:
        _refuse(request, exc)
    return redirect("innovation:need", pk=need.pk)


@login_required
def dispatch_detail(request, pk: int):
    qs = Dispatch.objects.select_related("need", "need__enterprise", "society", "team_leader")
    d: Dispatch = get_in_scope(qs, request.user, pk)
    user = request.user
    can_answer = d.status == DispatchStatus.WAITING and user_can(user, "change", d.society_path)
    can_complete = d.status == DispatchStatus.ACCEPTED and user_can(user, "change", d.society_path)
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "accept" and can_answer:
                raw = [i for i in (*request.POST.getlist("team"),
                                   *request.POST.get("team_ids", "").replace("，", ",").split(",")) if i.strip()]
                ids = {i for r in raw if (i := to_id(r)) is not None}
                leader_id = to_id(request.POST.get("leader"))
                if leader_id is not None:
                    ids.add(leader_id)
                people = {p.pk: p for p in Person.objects.for_user(user).filter(pk__in=ids, deleted_at__isnull=True)}
                if len(people) != len(ids) or any(to_id(r) is None for r in raw) or (
                        request.POST.get("leader", "").strip() and leader_id is None):
                    raise ValidationError(_("团队成员有误或不在本学会范围内。"))
                leader = people.get(leader_id) if leader_id is not None else None
                services.respond(user, d, accept=True, leader=leader, team=list(people.values()),
                                 plan=request.POST.get("plan", ""))
            elif action == "decline" and can_answer:
                services.respond(user, d, accept=False, reason=request.POST.get("reason", ""))
            elif action == "complete" and can_complete:
                services.complete(user, d, request.POST.get("outcome", ""))
            else:
                raise PermissionDenied(_("当前不能办理这项操作。"))
            messages.success(request, _("已保存。"))
            return redirect("innovation:dispatch", pk=d.pk)
        except (ValidationError, PermissionDenied) as exc:
            _refuse(request, exc)
    members = []
    if can_answer:
        members = list(Person.objects.for_user(user).filter(
            memberships__society=d.society, memberships__status__in=GOOD_STANDING, deleted_at__isnull=True,
        ).distinct().order_by("name", "pk")[:300])
    return render(request, "innovation/dispatch.html", {"d": d, "need": d.need, "can_answer": can_answer,
                                                        "can_complete": can_complete, "team": d.team.all(),
                                                        "members": members})


@login_required
def enterprise_register(request):
    form = EnterpriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ent = services.register_enterprise(request.user, name=data["name"], uscc=data["uscc"],
                                               contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                                               industry=data["industry"], region_code=data["region"],
                                               address=data["address"])
            messages.success(request, _("注册已提交，等待服务科协核验。"))
            return redirect("innovation:enterprise", pk=ent.pk)
        except ValidationError as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
    return render(request, "innovation/enterprise_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def enterprise_detail(request, pk: int):
    ent = Enterprise.objects.alive().filter(pk=pk, users=request.user).select_related("host").first()
    if ent is None:
        ent = get_in_scope(Enterprise.objects.alive().select_related("host"), request.user, pk)
    staff = bool(user_can(request.user, "change", ent.org_path))
    if request.method == "POST":
        if not staff:
            raise PermissionDenied(_("您无权核验该企业。"))
        try:
            services.verify_enterprise(request.user, ent, request.POST.get("verdict", ""),
                                       request.POST.get("reason", ""))
            messages.success(request, _("核验结论已保存。"))
            return redirect("innovation:enterprise", pk=ent.pk)
        except ValidationError as exc:
            _refuse(request, exc)
    return render(request, "innovation/enterprise.html", {
        "ent": ent, "staff": staff, "industry": INDUSTRY_NAMES.get(ent.industry, ""),
        "needs": ent.needs.alive().order_by("-created_at")[:50]})
