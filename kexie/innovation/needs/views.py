"""Pages of technology needs. Thin: input through the forms of ``forms.py``, writes in ``services`` and
``dispatches``; which buttons show comes from ``Need.WORKFLOW`` plus the user's permission. Who sees a need:
``services.visible_q``."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.http import error_messages
from kexie.core.scope import get_in_scope, path_in_scope, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.core.text import join_list
from kexie.innovation import recommend
from kexie.innovation.data import industries
from kexie.innovation.formfields import ActionForm, add_errors, cleaned, lenient
from kexie.innovation.models import Dispatch, DispatchRequest, Enterprise, MatchFeedback, Need
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
    RequestDecisionForm,
    RequestFilter,
)
from kexie.orgs.models import Organisation
from kexie.orgs.widgets import SUGGESTIONS as ORG_SUGGESTIONS
from kexie.orgs.widgets import matching as org_matching
from kexie.orgs.widgets import shown as org_shown
from kexie.people.models import Person

INDUSTRY_NAMES = industries.NAMES  # in the interface language
_PICKER_NAME = re.compile(r"[A-Za-z0-9_-]{1,60}")
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
        "requests_waiting": dispatches.requests_to_decide(request.user).count(),
    })


def _owners(user: Any) -> Any:
    return Organisation.objects.for_user(user, "innovation.change").alive().filter(kind__code="kx")


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
    owner_form = None
    if ent is None:  # staff: the association is picked by search over every one in scope (no list cut)
        owners = _owners(request.user)
        if not owners.exists():
            raise PermissionDenied(_("企业尚未通过核验，暂不能发布需求。"))
        owner_form = OwnerForm(request.POST or None, owners=owners)
    form = NeedForm(request.POST or None, initial={"confidentiality": "public"})
    if request.method == "POST" and form.is_valid():
        owner = None
        if owner_form is not None:
            owner = owner_form.cleaned_data.get("owner") if owner_form.is_valid() else None
            if owner is None:
                for m in owner_form.errors.get("owner", []) or [_("请选择受理科协。")]:
                    form.add_error(None, m)
        if not form.errors:
            try:
                need = services.create_need(request.user, owner=owner, **form.cleaned_data)
                return _save(request, need)
            except (ValidationError, PermissionDenied) as exc:
                add_errors(form, exc)
    return render(request, "innovation/need_form.html", {"form": form, "owner_form": owner_form, "need": None},
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
    return render(request, "innovation/need_form.html", {"form": form, "owner_form": None, "need": need},
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
    return render(request, "innovation/need.html", {**_dispatch_context(request, need),
        "need": need, "staff": staff, "editor": editor, "dispatches": rows, "flow": FLOW,
        "enterprise_user": enterprises.is_enterprise_user(user, need),
        "industry": INDUSTRY_NAMES.get(need.industry, ""), "events": need.events.select_related("actor"),
        "can_edit": editor and FLOW.allows(need, "edit"), "can_submit": editor and FLOW.allows(need, "submit"),
        "can_review": staff and FLOW.allows(need, "approve"),
        "can_solve": editor and FLOW.allows(need, "solve"), "can_close": editor and FLOW.allows(need, "close"),
        "matches": matches, "match_error": match_error, "respond_days": dispatches.RESPOND_DAYS,
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
            _dispatch(request, need)
            return redirect("innovation:need", pk=need.pk)
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


# ---- 点菜 by any level (decision 0043) -----------------------------------------------------------------------
def _dispatch_context(request: Any, need: Need, form: DispatchForm | None = None) -> dict[str, Any]:
    """The dispatch form when the user may dispatch this need; else, while it can be dispatched, who will."""
    user = request.user
    ctx: dict[str, Any] = {"dispatch_form": None, "dispatcher": None, "requests": []}
    if user_can(user, "innovation.change", need.org_path) or user_can(user, "innovation.view", need.org_path):
        ctx["requests"] = list(DispatchRequest.objects.for_user(user, "innovation.view").filter(need=need)
                               .prefetch_related("societies").select_related("decided_by"))
    if dispatches.can_dispatch(user, need):
        ctx["dispatch_form"] = form or DispatchForm(user=user, need=need,
                                                    initial={"days": dispatches.RESPOND_DAYS})
    elif FLOW.allows(need, "dispatch") and not enterprises.is_enterprise_user(user, need):
        ctx["dispatcher"] = dispatches.nearest_dispatcher(need.org_path)[0]
    return ctx


def _dispatch(request: Any, need: Need) -> None:
    """Societies in the user's own scope are dispatched at once; the others go to the association above as one
    request. Form errors are shown as messages (the page redirects)."""
    user = request.user
    if not dispatches.can_dispatch(user, need):
        raise PermissionDenied(_("您不能为这条需求派单。"))
    form = DispatchForm(request.POST, user=user, need=need)
    data = cleaned(form)
    days = data["days"] if data["days"] is not None else dispatches.RESPOND_DAYS
    days = min(days, 1000)
    paths = scope_paths(user, "innovation.change")
    own = [s for s in data["societies"] if path_in_scope(s.path, paths)]
    asked = [s for s in data["societies"] if not path_in_scope(s.path, paths)]
    if own:
        dispatches.dispatch(user, need, own, respond_days=days, note=data["note"])
        messages.success(request, _("已派单给%(s)s。") % {"s": join_list(s.name for s in own)})
    if asked:
        try:
            r = dispatches.request_dispatch(user, need, asked, respond_days=days, note=data["note"])
        except (ValidationError, PermissionDenied) as exc:
            if own:  # the direct dispatches stand; say what did not go
                _refuse(request, exc)
                return
            raise
        messages.success(request, _("向%(s)s派单须上级科协确认，已提交请求（%(o)s）。") % {
            "s": join_list(s.name for s in asked), "o": r.get_status_display()})


@login_required
def dispatch_picker(request, pk: int):
    """``innovation:dispatch-picker``: the societies a need may be dispatched to whose name or code holds the typed
    text — those of the user's own scope, and (marked) those that need the association above — at most 12."""
    need = _need(request, pk)
    field = request.GET.get("field", "societies")
    field = field if _PICKER_NAME.fullmatch(field) else "societies"
    list_id = request.GET.get("list", "")
    list_id = list_id if _PICKER_NAME.fullmatch(list_id) else "societies-choices"
    text = " ".join(request.GET.get(field, request.GET.get("q", "")).replace("\x00", "").split())[:60]
    branches = request.GET.get("branches", "") in ("on", "1", "true")
    found: list[Organisation] = []
    if text and dispatches.can_dispatch(request.user, need):
        qs = dispatches.eligible_targets(request.user, need, branches)
        found = list(org_matching(qs, text).select_related("kind").order_by("depth", "path")[:ORG_SUGGESTIONS])
        paths = scope_paths(request.user, "innovation.change")
        for o in found:
            o.picker_note = "" if path_in_scope(o.path, paths) else _("须上级科协确认")  # type: ignore[attr-defined]
    response = render(request, "components/org_picker.html#choices",
                      {"list_id": list_id, "choices": [(org_shown(o), o) for o in found]})
    patch_vary_headers(response, ["Cookie"])
    return response


REQUEST_COLUMNS = (
    Column("need", gettext_lazy("技术需求")),
    Column("owner", gettext_lazy("申请科协"), css="hide-sm"),
    Column("societies", gettext_lazy("承接学会")),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("requested", gettext_lazy("申请时间"), ("requested_at",), "hide-sm"),
)


@login_required
def request_list(request):
    """派单请求: the requests the user decides (and those their association made), pending first."""
    qs = (DispatchRequest.objects.for_user(request.user, "innovation.view").select_related("need", "need__owner")
          .prefetch_related("societies"))
    flt = RequestFilter(request.GET)
    status = lenient(flt)["status"]
    if status:
        qs = qs.filter(status=status)
    table = Table(request, qs.order_by("-requested_at", "-id"), REQUEST_COLUMNS,
                  row_template="innovation/dispatch_requests.html#row", filterset=flt, table_id="dispatch-requests",
                  empty=Empty(_("暂无派单请求。下级科协向本会管理的学会派单时，请求会出现在这里。"),
                              filtered=_("没有符合条件的派单请求。")))
    return render(request, "innovation/dispatch_requests.html", {"table": table, "filter": flt})


@login_required
def request_detail(request, pk: int):
    qs = DispatchRequest.objects.select_related("need", "need__owner", "requested_by", "decided_by")
    r: DispatchRequest = get_in_scope(qs, request.user, pk, "innovation.view")
    can_decide = bool(user_can(request.user, "innovation.change", r.decider_path)) and r.status == "pending"
    if request.method == "POST":
        action = ActionForm(request.POST).value()
        try:
            if action not in ("approve", "decline") or not can_decide:
                raise PermissionDenied(_("当前不能办理这项操作。"))
            reason = cleaned(RequestDecisionForm(request.POST))["reason"]
            dispatches.decide_request(request.user, r, approve=action == "approve", reason=reason)
            messages.success(request, _("已同意并派单。") if action == "approve" else _("已告知申请的科协。"))
            return redirect("innovation:dispatch-request", pk=r.pk)
        except (ValidationError, PermissionDenied) as exc:
            _refuse(request, exc)
    return render(request, "innovation/dispatch_request.html", {
        "r": r, "need": r.need, "societies": r.societies.select_related("kind").order_by("path"),
        "can_decide": can_decide, "flow": DispatchRequest.WORKFLOW},
        status=400 if request.method == "POST" else 200)


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
