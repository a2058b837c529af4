"""Pages of technology needs. Thin: input through the forms of ``forms.py``, writes in ``services`` and
``dispatches``; which buttons show comes from ``Need.WORKFLOW`` plus the user's permission. Who sees a need:
``services.visible_q``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.http import error_messages
from kexie.core.scope import scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.innovation import recommend
from kexie.innovation.data.industries import DIVISIONS
from kexie.innovation.formfields import ActionForm, add_errors, cleaned, lenient
from kexie.innovation.models import Dispatch, Enterprise, MatchFeedback, Need
from kexie.innovation.needs import dispatches, enterprises, services
from kexie.innovation.needs.forms import (
    BackForm,
    DispatchForm,
    FeedbackForm,
    NeedFilter,
    NeedForm,
    OutcomeForm,
    OwnerForm,
    RateForm,
    ReasonForm,
)
from kexie.orgs.models import Organisation
from kexie.people.models import Person

INDUSTRY_NAMES = {code: name for code, name, _s in DIVISIONS}
FLOW = Need.WORKFLOW
NEED_COLUMNS = (
    Column("code", gettext_lazy("需求编号"), ("code",)),
    Column("title", gettext_lazy("需求名称"), ("title",)),
    Column("enterprise", gettext_lazy("需求企业"), css="hide-sm"),
    Column("kind", gettext_lazy("需求类型"), ("kind",), "hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("created", gettext_lazy("登记时间"), ("created_at",), "hide-sm"),
)


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
    flt = NeedFilter(request.GET)
    data = lenient(flt)
    if data["status"]:
        qs = qs.filter(status=data["status"])
    if data["kind"]:
        qs = qs.filter(kind=data["kind"])
    ent = enterprises.enterprise_of(request.user)
    pending = list(Enterprise.objects.for_user(request.user, "innovation.change").alive().filter(status="pending")
                   .select_related("host").order_by("created_at", "pk")[:20])
    person = Person.objects.filter(user=request.user, deleted_at__isnull=True).first()
    can_create = ent is not None or scope_paths(request.user, "innovation.change") != []
    table = Table(request, qs.order_by("-created_at", "-id"), NEED_COLUMNS, row_template="innovation/needs.html#row",
                  filterset=flt, table_id="needs", empty=Empty(
                      _("暂无技术需求。企业注册并通过服务科协核验后即可发布需求，科协工作人员也可以代企业登记。"),
                      _("发布第一条需求") if can_create else "", reverse("innovation:need-create") if can_create else "",
                      filtered=_("没有符合条件的技术需求。")))
    return render(request, "innovation/needs.html", {
        "for_me": recommend.needs_for_person(person) if person is not None and person.expertise else [],
        "table": table, "filter": flt, "enterprise": ent,
        "registered": Enterprise.objects.alive().filter(users=request.user).first(),
        "can_create": can_create, "pending": pending,
    })


def _owners(user: Any) -> Any:
    return Organisation.objects.for_user(user, "innovation.change").alive().filter(kind__code="kx").order_by("path")[:200]


def _save(request: Any, need: Need) -> Any:
    """After a draft is saved: submitted too when the "提交审核" button was pressed."""
    if ActionForm(request.POST).value() == "submit":
        services.submit_need(request.user, need)
        messages.success(request, _("需求已提交，等待审核。"))
    else:
        messages.success(request, _("草稿已保存。"))
    return redirect("innovation:need", pk=need.pk)


@login_required
def need_create(request):
    ent = enterprises.enterprise_of(request.user)
    owners = [] if ent is not None else list(_owners(request.user))
    if ent is None and not owners:
        raise PermissionDenied(_("企业尚未通过核验，暂不能发布需求。"))
    form = NeedForm(request.POST or None, initial={"confidentiality": "public"})
    if request.method == "POST" and form.is_valid():
        owner = None
        if ent is None:
            owner_id = lenient(OwnerForm(request.POST))["owner"]  # never invalid: a malformed id is None
            owner = next((o for o in owners if o.pk == owner_id), None)
            if owner is None:
                form.add_error(None, _("请选择受理科协。"))
        if not form.errors:
            try:
                need = services.create_need(request.user, owner=owner, **form.cleaned_data)
                return _save(request, need)
            except (ValidationError, PermissionDenied) as exc:
                add_errors(form, exc)
    return render(request, "innovation/need_form.html", {"form": form, "owners": owners, "need": None},
                  status=400 if form.errors else 200)


@login_required
def need_edit(request, pk: int):
    need = _need(request, pk)
    if not services.can_edit(request.user, need) or not FLOW.allows(need, "edit"):
        return redirect("innovation:need", pk=need.pk)
    initial = {k: getattr(need, k) for k in services.NEED_FIELDS}
    initial["region"] = need.region.code if need.region else ""
    form = NeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_need(request.user, need, **form.cleaned_data)
            return _save(request, need)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
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
                                 allowed_paths=scope_paths(request.user, "innovation.view"), load=signals.current_load(),
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
    staff = bool(user_can(user, "innovation.change", need.org_path))
    editor = services.can_edit(user, need)
    rater = enterprises.is_enterprise_user(user, need) or (need.enterprise_id is None and staff)
    rows = [{"d": d, "rateable": rater and Dispatch.WORKFLOW.allows(d, "rate") and d.rating is None}
            for d in need.dispatches.select_related("society", "team_leader").prefetch_related("team")
            .order_by("dispatched_at", "id")]
    matches, match_error = (_matches(request, need) if staff else ([], ""))
    societies = []
    if staff and FLOW.allows(need, "dispatch"):
        societies = list(Organisation.objects.for_user(user).alive().filter(kind__code__in=dispatches.SOCIETY_KINDS,
                                                                             depth__lte=3).order_by("path")[:300])
    return render(request, "innovation/need.html", {
        "need": need, "staff": staff, "editor": editor, "dispatches": rows, "flow": FLOW,
        "enterprise_user": enterprises.is_enterprise_user(user, need),
        "industry": INDUSTRY_NAMES.get(need.industry, ""), "events": need.events.select_related("actor"),
        "can_edit": editor and FLOW.allows(need, "edit"), "can_submit": editor and FLOW.allows(need, "submit"),
        "can_review": staff and FLOW.allows(need, "approve"),
        "can_solve": editor and FLOW.allows(need, "solve"), "can_close": editor and FLOW.allows(need, "close"),
        "societies": societies, "matches": matches, "match_error": match_error,
        "respond_days": dispatches.RESPOND_DAYS,
    })


@login_required
@require_POST
def need_act(request, pk: int):
    need = _need(request, pk)
    action = ActionForm(request.POST).value()
    try:
        if action == "submit":
            services.submit_need(request.user, need)
        elif action in ("approve", "return", "reject"):
            services.review_need(request.user, need, action, cleaned(ReasonForm(request.POST))["reason"])
        elif action == "dispatch":
            data = cleaned(DispatchForm(request.POST))
            ids = data["societies"]
            chosen = list(Organisation.objects.for_user(request.user).filter(pk__in=ids))
            if len(chosen) != len(set(ids)):
                raise ValidationError(_("所选学会不在您的管理范围内。"))
            days = data["days"] if data["days"] is not None else dispatches.RESPOND_DAYS
            dispatches.dispatch(request.user, need, chosen, respond_days=min(days, 1000), note=data["note"])
        elif action == "rate":
            data = cleaned(RateForm(request.POST))
            d = need.dispatches.filter(pk=data["dispatch"] or 0).first()
            if d is None:
                raise ValidationError(_("没有这次服务。"))
            dispatches.rate(request.user, d, min(data["rating"] or 0, 1000), data["comment"])
        elif action == "solve":
            services.solve(request.user, need, cleaned(OutcomeForm(request.POST))["outcome"])
        elif action == "close":
            services.close(request.user, need, cleaned(ReasonForm(request.POST))["reason"])
        else:
            raise ValidationError(_("未知的操作。"))
        messages.success(request, _("已保存。"))
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    if BackForm(request.POST).home():  # rated from the enterprise's home: back there
        return redirect("innovation:my-enterprise")
    return redirect("innovation:need", pk=need.pk)


@login_required
@require_POST
def need_feedback(request, pk: int):
    need = _need(request, pk)
    form = FeedbackForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {"person": None, "useful": "", "rank": None}
    person = (Person.objects.filter(pk=data["person"], deleted_at__isnull=True).first()
              if data["person"] else None)
    if person is None:
        raise Http404(_("没有这位专家。"))
    try:
        services.mark(request.user, need, person, data["useful"] == "1", data["rank"] or 0)
        messages.success(request, _("已记录您的评价，后续匹配会参考。"))
    except PermissionDenied as exc:
        _refuse(request, exc)
    return redirect("innovation:need", pk=need.pk)
