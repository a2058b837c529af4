"""点菜 / 科协报到: dispatches of a published need to societies, their answers (a service team or a reason),
completion, the enterprise's rating and the service records written from it, and the daily escalation of overdue
dispatches (督办). The states follow ``Dispatch.WORKFLOW``; the need moves along ``Need.WORKFLOW``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.accounts.services import users_at
from kexie.core.audit import log_action
from kexie.core.scope import prefix_q, scope_paths, user_can
from kexie.core.services import is_system, require
from kexie.core.text import join_list
from kexie.innovation import limits
from kexie.innovation.models import (
    Dispatch,
    DispatchRequest,
    DispatchStatus,
    Need,
    NeedAction,
    NeedStatus,
    RequestStatus,
    ServiceRecord,
    ServiceSource,
)
from kexie.innovation.needs.enterprises import _now, _user, is_enterprise_user
from kexie.innovation.needs.services import _event, _lock, _tell_enterprise
from kexie.notices.services import notify
from kexie.orgs.models import KindCategory, Organisation
from kexie.people.models import Person

SOCIETY_KINDS = ("society", "society_branch", "society_union")
BRANCH_KINDS = ("society_branch",)  # 分支机构 / 专委会: offered only when 包括分支机构 is ticked
ACTION = "innovation.change"
RESPOND_DAYS = 5  # 科协报到: a society answers a dispatch within five days unless staff agree otherwise
ESCALATE_AFTER_DAYS = 2  # overdue this long: the dispatching association's parent is told (督办)


# ---- who may receive a dispatch (decision 0043) ------------------------------------------------------
def _targets(branches: bool) -> QuerySet[Organisation]:
    """Societies, society unions and (when asked) their branches and committees: every kind of the society
    category, so that kinds staff add to it count too."""
    qs: QuerySet[Organisation] = Organisation.objects.alive().filter(kind__category=KindCategory.SOCIETY)
    return qs if branches else qs.exclude(kind__code__in=BRANCH_KINDS)


def _root(path: str) -> str:
    return path[:Organisation.steplen]


def direct_targets(user: Any, need: Need, branches: bool = False) -> QuerySet[Organisation]:
    """Societies the user may dispatch to at once: in their own ``innovation.change`` scope (none for a user
    who may not dispatch this need)."""
    if not user_can(user, ACTION, need.org_path):
        return Organisation.objects.none()
    paths = scope_paths(user, ACTION)
    qs = _targets(branches).filter(path__startswith=_root(need.org_path))
    return qs if paths is None else qs.filter(prefix_q("path", paths))


def _ancestors(path: str) -> list[str]:
    step = Organisation.steplen
    return [path[:i] for i in range(step, len(path), step)] if path and len(path) % step == 0 else []


def _other_branches_q(need: Need) -> Q:
    """Associations hanging off the need's chain of ancestors beside it (another city, another county): their
    societies belong to them, not to the level above, so they are never offered."""
    chain = _ancestors(need.org_path)
    if not chain:
        return Q(pk__in=[])
    others = (Organisation.objects.filter(kind__category=KindCategory.ASSOCIATION)
              .filter(prefix_q("path", chain)).exclude(path__in=[*chain, need.org_path])
              .exclude(prefix_q("path", [need.org_path])))
    # only the children of a chain member (depth one below it): a deeper one lies under one of them anyway
    depths = {len(p) // Organisation.steplen + 1 for p in chain}
    paths = list(others.filter(depth__in=depths).values_list("path", flat=True))
    return prefix_q("path", paths)


def requestable_targets(user: Any, need: Need, branches: bool = False) -> QuerySet[Organisation]:
    """Societies above the need's association outside the user's scope (the provincial societies for a city):
    dispatched through a request to the association above both. Never those of another city or county."""
    paths = scope_paths(user, ACTION)
    if paths is None or not user_can(user, ACTION, need.org_path):
        return Organisation.objects.none()
    return (_targets(branches).filter(path__startswith=_root(need.org_path)).exclude(prefix_q("path", paths))
            .exclude(_other_branches_q(need)))


def eligible_targets(user: Any, need: Need, branches: bool = False) -> QuerySet[Organisation]:
    """Both of the above, for the picker: one queryset."""
    if not user_can(user, ACTION, need.org_path):
        return Organisation.objects.none()
    paths = scope_paths(user, ACTION)
    qs = _targets(branches).filter(path__startswith=_root(need.org_path))
    if paths is None:
        return qs
    return qs.filter(prefix_q("path", paths) | ~_other_branches_q(need))


def can_dispatch(user: Any, need: Need) -> bool:
    return bool(user_can(user, ACTION, need.org_path)) and Need.WORKFLOW.allows(need, "dispatch")


def nearest_dispatcher(path: str) -> tuple[Organisation | None, list[Any]]:
    """The association nearest to ``path`` (itself, else its parent …) where someone holds the dispatch action,
    and those users: whom the need page names when the reader cannot dispatch."""
    step = Organisation.steplen
    paths = [path[:i] for i in range(len(path), 0, -step)] if path and len(path) % step == 0 else []
    orgs = {o.path: o for o in Organisation.objects.alive().filter(path__in=paths)}
    found = users_at([o.pk for o in orgs.values()], ACTION)
    for p in paths:
        org = orgs.get(p)
        if org is not None and found.get(org.pk):
            return org, found[org.pk]
    return None, []


def _common_path(paths: Iterable[str]) -> str:
    """The deepest organisation path every one of ``paths`` lies under."""
    items = list(paths)
    step = Organisation.steplen
    common = items[0]
    for p in items[1:]:
        n = 0
        while n < min(len(common), len(p)) and common[n] == p[n]:
            n += 1
        common = common[:n]
    return common[:len(common) - len(common) % step]


def _check_targets(need: Need, societies: Sequence[Organisation]) -> None:
    if not societies:
        raise ValidationError(_("请选择承接的学会。"))
    live = set(Dispatch.objects.filter(need=need).exclude(status=DispatchStatus.WITHDRAWN)
               .values_list("society_id", flat=True))
    asked = set(DispatchRequest.objects.filter(need=need, status=RequestStatus.PENDING)
                .values_list("societies", flat=True))
    errors = []
    for s in societies:
        if s.kind.category != KindCategory.SOCIETY or s.deleted_at is not None:
            errors.append(_("“%(n)s”不是学会，不能派单。") % {"n": s.name})
        elif s.pk in live:
            errors.append(_("已向“%(n)s”派过单。") % {"n": s.name})
        elif s.pk in asked:
            errors.append(_("向“%(n)s”派单的请求正在等待上级科协确认。") % {"n": s.name})
    if errors:
        raise ValidationError(errors)


def _check_days(respond_days: int) -> None:
    if isinstance(respond_days, bool) or not isinstance(respond_days, int) or not 1 <= respond_days <= 30:
        raise ValidationError(_("响应期限应为 1 到 30 天。"))


# ---- 点菜: dispatches ---------------------------------------------------------------------------------
@transaction.atomic
def dispatch(actor: Any, need: Need, societies: Sequence[Organisation], *, respond_days: int = RESPOND_DAYS,
             note: str = "", on_behalf_of: Any = None) -> list[Dispatch]:
    """``on_behalf_of``: the user who asked for it (a request approved above): reminders and answers go to them."""
    need = _lock(need)
    require(actor, "innovation.change", need.org_path)
    Need.WORKFLOW.check(need, "dispatch")
    _check_targets(need, societies)
    for s in societies:  # each society in the dispatcher's own scope (a province-wide one: through a request)
        require(actor, "innovation.change", s.path)
    _check_days(respond_days)
    note = limits.bounded(note, limits.REASON, _("派单说明"))
    due = _now() + dt.timedelta(days=respond_days)
    made = [Dispatch.objects.create(need=need, society=s, society_path=s.path, org_path=need.org_path, note=note,
                                    dispatched_by=on_behalf_of or _user(actor), respond_by=due) for s in societies]
    before = need.status
    if need.status == NeedStatus.PUBLISHED:
        Need.WORKFLOW.apply(need, "dispatch", target=NeedStatus.MATCHING)
        need.save(update_fields=["status", "updated_at"])
    _event(actor, need, "dispatched", before, join_list(s.name for s in societies))
    log_action(actor, "innovation.need.dispatched", need, scope_path=need.org_path,
               extra={"societies": [s.pk for s in societies], "respond_by": due.isoformat()})
    staff = users_at([s.pk for s in societies], "innovation.change")
    for d in made:
        notify(staff.get(d.society_id, []), title=_("科协报到：请响应技术需求“%(t)s”") % {"t": need.title},
               body=_("请于 %(d)s 前答复：组建服务团队或说明婉拒理由。") % {
                   "d": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
               url=reverse("innovation:dispatch", args=[d.pk]), key=f"innovation-dispatch-{d.pk}")
    return made


# ---- a dispatch through the association above (decision 0043) -------------------------------------------
@transaction.atomic
def request_dispatch(actor: Any, need: Need, societies: Sequence[Organisation], *,
                     respond_days: int = RESPOND_DAYS, note: str = "") -> DispatchRequest:
    """The need's association asks the association above both it and the societies (the province) to dispatch
    the need to societies outside its own scope. Nothing reaches the societies until that association agrees."""
    need = _lock(need)
    require(actor, "innovation.change", need.org_path)
    Need.WORKFLOW.check(need, "dispatch")
    _check_targets(need, societies)
    _check_days(respond_days)
    note = limits.bounded(note, limits.REASON, _("派单说明"))
    decider = _common_path([need.org_path, *(s.path for s in societies)])
    if not decider:
        raise ValidationError(_("所选学会与需求不在同一省级科协之下，不能派单。"))
    r = DispatchRequest.objects.create(need=need, org_path=need.org_path, decider_path=decider, note=note,
                                       respond_days=respond_days, requested_by=_user(actor))
    r.societies.set(societies)
    names = join_list(s.name for s in societies)
    _event(actor, need, NeedAction.REQUESTED, need.status, names)
    log_action(actor, "innovation.dispatch.requested", r, scope_path=need.org_path,
               extra={"need": need.pk, "societies": [s.pk for s in societies]})
    org, staff = nearest_dispatcher(decider)
    notify(staff, title=_("派单请求待确认：%(o)s请求向%(s)s派发技术需求“%(t)s”") % {
               "o": need.owner.name, "s": names, "t": need.title},
           body=note, url=reverse("innovation:dispatch-request", args=[r.pk]),
           key=f"innovation-dispatch-request-{r.pk}")
    return r


def requests_to_decide(user: Any) -> QuerySet[DispatchRequest]:
    """Pending requests the user decides (the to-do desk and the needs list read it)."""
    paths = scope_paths(user, ACTION)
    qs: QuerySet[DispatchRequest] = DispatchRequest.objects.filter(status=RequestStatus.PENDING)
    return qs if paths is None else qs.filter(prefix_q("decider_path", paths) if paths else Q(pk__in=[]))


def _lock_request(r: DispatchRequest) -> DispatchRequest:
    fresh: DispatchRequest = (DispatchRequest.objects.select_for_update(of=("self",))
                              .select_related("need", "need__owner").get(pk=r.pk))
    return fresh


@transaction.atomic
def decide_request(actor: Any, r: DispatchRequest, *, approve: bool, reason: str = "") -> DispatchRequest:
    """The association above agrees (the dispatches are created, the societies told) or declines with a reason
    (nothing is dispatched); the requesting association hears either way."""
    r = _lock_request(r)
    require(actor, "innovation.change", r.decider_path)
    DispatchRequest.WORKFLOW.check(r, "approve" if approve else "decline")
    need = r.need
    societies = list(r.societies.select_related("kind").order_by("path"))
    reason = limits.bounded(reason, limits.REASON, _("未同意理由"))
    if not approve and not reason:
        raise ValidationError(_("不同意须说明理由。"))
    DispatchRequest.WORKFLOW.apply(r, "approve" if approve else "decline")
    r.reason = "" if approve else reason
    r.decided_by, r.decided_at = _user(actor), _now()
    r.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    if approve:  # after the request left 待确认 (its societies are no longer "asked"); a refusal rolls all back
        dispatch(actor, need, societies, respond_days=r.respond_days, note=r.note, on_behalf_of=r.requested_by)
        need.refresh_from_db()
    names = join_list(s.name for s in societies)
    _event(actor, need, NeedAction.REQUEST_APPROVED if approve else NeedAction.REQUEST_DECLINED, need.status,
           names if approve else f"{names}：{reason}")
    log_action(actor, "innovation.dispatch.request_decided", r, scope_path=r.decider_path,
               extra={"approve": approve, "need": need.pk, "reason": reason})
    askers = [*users_at([need.owner_id], "innovation.change").get(need.owner_id, []),
              *([r.requested_by] if r.requested_by else [])]
    title = (_("上级科协已同意派单：技术需求“%(t)s”已派给%(s)s") if approve
             else _("上级科协未同意派单：技术需求“%(t)s”（%(s)s）")) % {"t": need.title, "s": names}
    notify(list({u.pk: u for u in askers}.values()), title=title, body="" if approve else reason,
           url=reverse("innovation:need", args=[need.pk]), key=f"innovation-dispatch-decided-{r.pk}")
    return r


def _lock_dispatch(d: Dispatch) -> Dispatch:
    fresh: Dispatch = (Dispatch.objects.select_for_update(of=("self",)).select_related("need", "society", "need__enterprise")
                       .get(pk=d.pk))
    return fresh


@transaction.atomic
def respond(actor: Any, d: Dispatch, *, accept: bool, leader: Person | None = None,
            team: Iterable[Person] = (), plan: str = "", reason: str = "") -> Dispatch:
    """The society answers: a service team (leader, members, plan) or a reason to decline."""
    d = _lock_dispatch(d)
    require(actor, "innovation.change", d.society_path)
    Dispatch.WORKFLOW.check(d, "accept" if accept else "decline")
    need = _lock(d.need)
    if not Need.WORKFLOW.allows(need, "dispatch"):  # solved or closed meanwhile
        raise ValidationError(_("需求已%(s)s，无需再答复。") % {"s": need.get_status_display()})
    if accept:
        members = list({p.pk: p for p in team}.values())
        errors = []
        if leader is None:
            errors.append(_("请指定服务团队负责人。"))
        if not plan.strip():
            errors.append(_("请填写服务方案。"))
        elif len(plan.strip()) > limits.OUTCOME:
            errors.append(limits.too_long(_("服务方案"), limits.OUTCOME))
        if len(members) > 30:
            errors.append(_("服务团队不超过 30 人。"))
        if errors:
            raise ValidationError(errors)
        Dispatch.WORKFLOW.apply(d, "accept")
        d.team_leader, d.plan = leader, plan.strip()
    else:
        reason = limits.bounded(reason, limits.REASON, _("婉拒理由"))
        if not reason:
            raise ValidationError(_("婉拒须说明理由。"))
        Dispatch.WORKFLOW.apply(d, "decline")
        d.decline_reason = reason
    d.responded_at = _now()
    d.save()
    if accept:
        d.team.set(members)
    before = need.status
    if accept and Need.WORKFLOW.allows(need, "match"):
        Need.WORKFLOW.apply(need, "match")
        need.save(update_fields=["status", "updated_at"])
    elif not accept and Need.WORKFLOW.allows(need, "unmatch") and not Dispatch.objects.filter(need=need, status__in=(
            DispatchStatus.WAITING, DispatchStatus.ACCEPTED, DispatchStatus.DONE)).exists():
        Need.WORKFLOW.apply(need, "unmatch")  # every society declined: back to the pool for another dispatch
        need.save(update_fields=["status", "updated_at"])
    _event(actor, need, "accepted" if accept else "declined", before,
           f"{d.society.name}：{d.plan if accept else d.decline_reason}")
    log_action(actor, "innovation.dispatch.answered", d, scope_path=d.society_path,
               extra={"accept": accept, "need": need.pk})
    staff = [u for us in users_at([need.owner_id], "innovation.change").values() for u in us]
    if d.dispatched_by is not None:
        staff.append(d.dispatched_by)
    title = (_("%(s)s已响应需求“%(t)s”") if accept else _("%(s)s婉拒了需求“%(t)s”")) % {
        "s": d.society.name, "t": need.title}
    notify(staff, title=title, url=reverse("innovation:need", args=[need.pk]), key=f"innovation-answer-{d.pk}")
    if accept:
        _tell_enterprise(need, title, d.plan)
    return d


@transaction.atomic
def complete(actor: Any, d: Dispatch, outcome: str) -> Dispatch:
    d = _lock_dispatch(d)
    require(actor, "innovation.change", d.society_path)
    Dispatch.WORKFLOW.check(d, "complete")
    outcome = limits.bounded(outcome, limits.OUTCOME, _("服务成效"))
    if not outcome:
        raise ValidationError(_("请填写服务成效。"))
    Dispatch.WORKFLOW.apply(d, "complete")
    d.completed_at, d.outcome = _now(), outcome
    d.save()
    _event(actor, d.need, "service_done", d.need.status, f"{d.society.name}：{d.outcome}")
    log_action(actor, "innovation.dispatch.completed", d, scope_path=d.society_path)
    if d.need.enterprise is not None:
        notify(list(d.need.enterprise.users.all()), title=_("服务已完成，请评价：%(t)s") % {"t": d.need.title},
               body=d.outcome, url=reverse("innovation:need", args=[d.need_id]), key=f"innovation-done-{d.pk}")
    return d


@transaction.atomic
def rate(actor: Any, d: Dispatch, rating: int, comment: str = "") -> Dispatch:
    """The enterprise rates a completed service (1–5); the service records are written from it."""
    d = _lock_dispatch(d)
    need = d.need
    if not is_system(actor) and not (is_enterprise_user(actor, need)
                                  or (need.enterprise_id is None and user_can(actor, "innovation.change", need.org_path))):
        raise PermissionDenied(_("只有需求企业可以评价服务。"))
    Dispatch.WORKFLOW.check(d, "rate")
    if d.rating is not None:
        raise ValidationError(_("已评价过这次服务。"))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError(_("评价应为 1 到 5 星。"))
    comment = limits.bounded(comment, limits.REASON, _("评价意见"))
    d.rating, d.rating_comment, d.rated_at = rating, comment, _now()
    d.save()
    experts: list[Person | None] = [*([d.team_leader] if d.team_leader else []),
                                    *(p for p in d.team.all() if p.pk != d.team_leader_id)]
    served_on = timezone.localdate(d.completed_at) if d.completed_at else timezone.localdate()
    name = need.enterprise.name if need.enterprise else need.owner.name
    ServiceRecord.objects.bulk_create([
        ServiceRecord(society=d.society, expert=p, enterprise=need.enterprise, enterprise_name=name, need=need,
                      dispatch=d, kind=need.kind, source=ServiceSource.DISPATCH, served_on=served_on,
                      outcome=d.outcome, rating=rating, org_path=d.society_path, need_path=need.org_path)
        for p in (experts or [None])])
    _event(actor, need, "rated", need.status, f"{d.society.name}：{rating}/5 {d.rating_comment}")
    log_action(actor, "innovation.dispatch.rated", d, scope_path=d.society_path, extra={"rating": rating})
    return d


# ---- overdue escalation (daily) ------------------------------------------------------------------
def escalate_overdue(now: dt.datetime | None = None) -> dict[str, int]:
    """Dispatches still waiting past their answer time: level 1 reminds the society and the dispatcher; level 2
    (two days later) also tells the staff of the association above the need's (督办)."""
    now = now or _now()
    counts = {"reminded": 0, "escalated": 0}
    waiting = (Dispatch.objects.filter(status=DispatchStatus.WAITING, respond_by__lt=now)
               .select_related("need__owner", "society", "dispatched_by"))
    for d in waiting:
        level = 2 if now - d.respond_by >= dt.timedelta(days=ESCALATE_AFTER_DAYS) else 1
        if d.escalation >= level:
            continue
        society_staff = users_at([d.society_id], "innovation.change").get(d.society_id, [])
        title = _("派单已超期未响应：%(t)s") % {"t": d.need.title}
        body = _("%(s)s应于 %(d)s 前答复。") % {"s": d.society.name,
                                          "d": timezone.localtime(d.respond_by).strftime("%Y-%m-%d %H:%M")}
        url = reverse("innovation:dispatch", args=[d.pk])
        recipients = [*society_staff, *([d.dispatched_by] if d.dispatched_by else [])]
        if level == 2:
            owner_path = d.need.owner.path
            parent = (Organisation.objects.filter(path=owner_path[:-Organisation.steplen]).first()
                      if d.need.owner.depth > 1 else None)
            if parent is not None:
                recipients += users_at([parent.pk], "innovation.change").get(parent.pk, [])
        notify(recipients, title=title, body=body, url=url, key=f"innovation-overdue-{d.pk}-{level}")
        Dispatch.objects.filter(pk=d.pk, escalation__lt=level).update(escalation=level)
        counts["escalated" if level == 2 else "reminded"] += 1
    return counts
