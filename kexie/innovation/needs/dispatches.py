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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.accounts.services import users_at
from kexie.core.audit import log_action
from kexie.core.scope import user_can
from kexie.core.services import is_system, require
from kexie.core.text import join_list
from kexie.innovation import limits
from kexie.innovation.models import (
    Dispatch,
    DispatchStatus,
    Need,
    NeedStatus,
    ServiceRecord,
    ServiceSource,
)
from kexie.innovation.needs.enterprises import _now, _user, is_enterprise_user
from kexie.innovation.needs.services import _event, _lock, _tell_enterprise
from kexie.notices.services import notify
from kexie.orgs.models import Organisation
from kexie.people.models import Person

SOCIETY_KINDS = ("society", "society_branch", "society_union")
RESPOND_DAYS = 5  # 科协报到: a society answers a dispatch within five days unless staff agree otherwise
ESCALATE_AFTER_DAYS = 2  # overdue this long: the dispatching association's parent is told (督办)


# ---- 点菜: dispatches ---------------------------------------------------------------------------------
@transaction.atomic
def dispatch(actor: Any, need: Need, societies: Sequence[Organisation], *, respond_days: int = RESPOND_DAYS,
             note: str = "") -> list[Dispatch]:
    need = _lock(need)
    require(actor, "innovation.change", need.org_path)
    Need.WORKFLOW.check(need, "dispatch")
    if not societies:
        raise ValidationError(_("请选择承接的学会。"))
    if isinstance(respond_days, bool) or not isinstance(respond_days, int) or not 1 <= respond_days <= 30:
        raise ValidationError(_("响应期限应为 1 到 30 天。"))
    note = limits.bounded(note, limits.REASON, _("派单说明"))
    live = set(Dispatch.objects.filter(need=need).exclude(status=DispatchStatus.WITHDRAWN)
               .values_list("society_id", flat=True))
    errors = []
    for s in societies:
        if s.kind.code not in SOCIETY_KINDS or s.deleted_at is not None:
            errors.append(_("“%(n)s”不是学会，不能派单。") % {"n": s.name})
        elif s.pk in live:
            errors.append(_("已向“%(n)s”派过单。") % {"n": s.name})
    if errors:
        raise ValidationError(errors)
    due = _now() + dt.timedelta(days=respond_days)
    made = [Dispatch.objects.create(need=need, society=s, society_path=s.path, org_path=need.org_path, note=note,
                                    dispatched_by=_user(actor), respond_by=due) for s in societies]
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
