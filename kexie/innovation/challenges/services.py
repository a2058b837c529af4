"""揭榜挂帅 (SPEC §3.5): an open challenge with a bounty, applicants, the selection of one winner and milestones.

草稿 → 张榜中 (publish: bounty > 0, apply_by in the future) → 遴选中 (applications closed after apply_by) →
已揭榜 (exactly one application selected, with a reason; the others 未入选; a partial unique constraint keeps
one winner per challenge) → 已完成 (every milestone accepted). 已撤榜: cancelled with a reason any time before
the award.

Applicants are scientists with a platform account (``Person.user``): one application per leader, withdrawable
while the challenge is open. Milestones (title, due, share %, shares summing to at most 100) are set by staff
after the award; the winner submits evidence, staff accept or reject with a verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.accounts.services import users_at
from kexie.core.audit import log_action, snapshot
from kexie.core.scope import user_can
from kexie.core.services import require
from kexie.innovation import limits
from kexie.innovation.models import (
    Challenge,
    ChallengeApplication,
    ChallengeApplicationStatus,
    Need,
)
from kexie.notices.services import notify
from kexie.orgs.models import Organisation
from kexie.people.models import Person

FLOW = Challenge.WORKFLOW
MAX_TEAM = 30
AS = ChallengeApplicationStatus


def _url(ch: Challenge) -> str:
    return reverse("innovation:challenge", args=[ch.pk])


def _lock(ch: Challenge) -> Challenge:
    fresh: Challenge = Challenge.objects.select_for_update().get(pk=ch.pk)
    return fresh


def visible(user: Any) -> QuerySet[Challenge]:
    """Challenges in the user's scope, and every published one (张榜 is public to logged-in users)."""
    return Challenge.objects.alive().filter(Q(pk__in=Challenge.objects.for_user(user).values("pk"))
                                            | Q(pk__in=Challenge.objects.for_public().values("pk")))


def person_of(user: Any) -> Person | None:
    if not getattr(user, "pk", None):
        return None
    person: Person | None = Person.objects.alive().filter(user=user).first()
    return person


def _staff(ch: Challenge) -> list[Any]:
    return [u for us in users_at([ch.owner_id], "innovation.change").values() for u in us]


# ---- the challenge -----------------------------------------------------------------------------------
def clean_challenge(values: Mapping[str, Any], *, publish: bool) -> tuple[dict[str, Any], list[str]]:
    errors: list[str] = []
    out: dict[str, Any] = {}
    title = str(values.get("title") or "").strip()
    description = str(values.get("description") or "").strip()
    if not title:
        errors.append(_("请填写榜单名称。"))
    elif len(title) > limits.TITLE:
        errors.append(_("榜单名称不能超过 120 个字。"))
    if len(description) > limits.LONG_TEXT:
        errors.append(_("攻关任务与指标不能超过 6000 字。"))
    elif publish and not description:
        errors.append(_("请填写攻关任务与指标。"))
    out["title"], out["description"] = title, description  # too long: refused above
    raw = values.get("bounty")
    out["bounty"] = Decimal("0")
    try:
        amount = Decimal(str(raw if raw not in (None, "") else "0").replace(",", "").strip())
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
            raise InvalidOperation
        out["bounty"] = amount.quantize(Decimal("0.01"))
        if publish and amount <= 0:
            errors.append(_("榜额应大于 0（万元）。"))
    except (InvalidOperation, ValueError):
        errors.append(_("榜额应大于 0（万元）。"))
    apply_by = values.get("apply_by")
    if isinstance(apply_by, dt.date):
        out["apply_by"] = apply_by
    else:
        try:
            out["apply_by"] = dt.date.fromisoformat(str(apply_by or "").strip())
        except ValueError:
            out["apply_by"] = None
            errors.append(_("揭榜截止日期的格式应为 YYYY-MM-DD。"))
    if publish and out.get("apply_by") and out["apply_by"] <= timezone.localdate():
        errors.append(_("揭榜截止日期应晚于今天。"))
    return out, errors


@transaction.atomic
def create_challenge(actor: Any, *, owner: Organisation | None = None, need: Need | None = None,
                     **values: Any) -> Challenge:
    """A draft challenge by staff of ``owner`` (in change scope), or from a need (owner: the need's association;
    title, description and enterprise from the need unless given)."""
    if need is not None:
        require(actor, "innovation.change", need.org_path)
        owner = owner or need.owner
        values.setdefault("title", need.title)
        values.setdefault("description", need.description)
    if owner is None:
        raise ValidationError(_("请选择发布科协。"))
    require(actor, "innovation.change", owner.path)
    data, errors = clean_challenge(values, publish=False)
    if errors:
        raise ValidationError(errors)
    ch = Challenge.objects.create(owner=owner, org_path=owner.path, need=need,
                                  enterprise=need.enterprise if need is not None else None, **data)
    log_action(actor, "innovation.challenge.created", ch, scope_path=ch.org_path,
               after=snapshot(ch, Challenge.AUDIT_FIELDS))
    return ch


@transaction.atomic
def edit_challenge(actor: Any, ch: Challenge, **values: Any) -> Challenge:
    ch = _lock(ch)
    require(actor, "innovation.change", ch.org_path)
    FLOW.check(ch, "edit")
    current = {k: getattr(ch, k) for k in ("title", "description", "bounty", "apply_by")}
    data, errors = clean_challenge({**current, **values}, publish=False)
    if errors:
        raise ValidationError(errors)
    before = snapshot(ch, Challenge.AUDIT_FIELDS)
    for k, v in data.items():
        setattr(ch, k, v)
    ch.save()
    log_action(actor, "innovation.challenge.edited", ch, scope_path=ch.org_path, before=before,
               after=snapshot(ch, Challenge.AUDIT_FIELDS))
    return ch


def _move(actor: Any, ch: Challenge, transition: str, verb: str, reason: str = "") -> None:
    """``ch`` along ``Challenge.WORKFLOW`` (refused from another status), saved and audited."""
    before = snapshot(ch, Challenge.AUDIT_FIELDS)
    FLOW.apply(ch, transition)
    if reason:
        ch.status_reason = reason  # checked by the caller (limits.REASON) before anything changed
    ch.save()
    log_action(actor, f"innovation.challenge.{verb}", ch, scope_path=ch.org_path, before=before,
               after=snapshot(ch, Challenge.AUDIT_FIELDS))


@transaction.atomic
def publish(actor: Any, ch: Challenge) -> Challenge:
    """草稿 → 张榜中: the bounty must be positive and the deadline in the future."""
    ch = _lock(ch)
    require(actor, "innovation.change", ch.org_path)
    FLOW.check(ch, "publish")
    _data, errors = clean_challenge({k: getattr(ch, k) for k in ("title", "description", "bounty", "apply_by")},
                                    publish=True)
    if errors:
        raise ValidationError(errors)
    _move(actor, ch, "publish", "published")
    return ch


@transaction.atomic
def close_applications(actor: Any, ch: Challenge) -> Challenge:
    """张榜中 → 遴选中, once the deadline has passed."""
    ch = _lock(ch)
    require(actor, "innovation.change", ch.org_path)
    FLOW.check(ch, "close")
    if timezone.localdate() <= ch.apply_by:
        raise ValidationError(_("揭榜截止（%(d)s）后方可结束征集。") % {"d": ch.apply_by.isoformat()})
    _move(actor, ch, "close", "closed")
    return ch


@transaction.atomic
def cancel(actor: Any, ch: Challenge, reason: str) -> Challenge:
    """撤榜 with a reason, any time before the award; applicants are told."""
    ch = _lock(ch)
    require(actor, "innovation.change", ch.org_path)
    FLOW.check(ch, "cancel")
    reason = limits.bounded(reason, limits.REASON, _("撤榜理由"))
    if not reason:
        raise ValidationError(_("撤榜须说明理由。"))
    _move(actor, ch, "cancel", "cancelled", reason)
    leaders = [a.leader.user for a in ch.applications.filter(status=AS.SUBMITTED).select_related("leader__user")]
    notify(leaders, title=_("榜单已撤榜：%(t)s") % {"t": ch.title}, body=reason, url=_url(ch),
           key=f"innovation-challenge-cancelled-{ch.pk}")
    return ch


# ---- applications ------------------------------------------------------------------------------------
def _team(team: Iterable[Any] | str) -> tuple[list[dict[str, Any]], list[str]]:
    """The team as name (+ person id) items, and the problems: a name over ``limits.NAME`` is refused, not cut."""
    if isinstance(team, str):
        team = [t for t in team.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")]
    out: list[dict[str, Any]] = []
    for t in team:
        if isinstance(t, Person):
            out.append({"name": t.name, "person_id": t.pk})
        elif isinstance(t, Mapping):
            out.append({"name": str(t.get("name", "")).strip(), **({"person_id": int(t["person_id"])}
                                                                   if t.get("person_id") else {})})
        elif str(t).strip():
            out.append({"name": str(t).strip()})
    errors = [_("团队成员姓名“%(n)s…”超过 %(max)s 个字。") % {"n": m["name"][:limits.NAME], "max": limits.NAME}
              for m in out if len(m["name"]) > limits.NAME]
    return [m for m in out if m["name"]], errors


@transaction.atomic
def apply(actor: Any, ch: Challenge, *, unit: str, proposal: str,
          team: Iterable[Any] | str = ()) -> ChallengeApplication:
    """揭榜: a scientist with an account applies as team leader before the deadline; one application each."""
    leader = person_of(actor)
    if leader is None:
        raise PermissionDenied(_("只有登记在册并绑定账号的科技工作者可以揭榜。"))
    ch = _lock(ch)
    if ch.deleted_at is not None:
        raise ValidationError(_("榜单不在张榜中，不能揭榜。"))
    FLOW.check(ch, "apply")
    if timezone.localdate() > ch.apply_by:
        raise ValidationError(_("揭榜已截止。"))
    unit, proposal = (unit or "").strip(), (proposal or "").strip()
    members, errors = _team(team)
    if not unit:
        errors.append(_("请填写揭榜单位。"))
    elif len(unit) > limits.TITLE:
        errors.append(_("揭榜单位不能超过 120 个字。"))
    if not proposal:
        errors.append(_("请填写攻关方案。"))
    elif len(proposal) > limits.LONG_TEXT:
        errors.append(_("攻关方案不能超过 6000 字。"))
    if len(members) > MAX_TEAM:
        errors.append(_("团队成员不超过 %(n)s 人。") % {"n": MAX_TEAM})
    if errors:
        raise ValidationError(errors)
    app = ChallengeApplication.objects.filter(challenge=ch, leader=leader).first()
    if app is None:
        app = ChallengeApplication(challenge=ch, leader=leader, org_path=ch.org_path)
    else:  # a withdrawn application comes back; any other is refused ("您已揭榜，不能重复申请。")
        ChallengeApplication.WORKFLOW.apply(app, "resubmit")
    app.unit, app.proposal, app.team = unit, proposal, members
    app.save()
    log_action(actor, "innovation.challenge.applied", ch, scope_path=ch.org_path,
               extra={"application": app.pk, "leader": leader.pk, "unit": unit})
    notify(_staff(ch), title=_("新的揭榜申请：%(t)s") % {"t": ch.title}, url=_url(ch),
           key=f"innovation-challenge-app-{app.pk}-{timezone.now():%Y%m%d%H%M%S%f}")
    return app


@transaction.atomic
def withdraw(actor: Any, app: ChallengeApplication) -> ChallengeApplication:
    ch = _lock(app.challenge)
    app = ChallengeApplication.objects.select_for_update(of=("self",)).select_related("leader").get(pk=app.pk)
    if app.leader.user_id is None or app.leader.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只有揭榜团队负责人本人可以撤回。"))
    if not FLOW.allows(ch, "apply"):  # only while the challenge is open (张榜中)
        raise ValidationError(str(ChallengeApplication.WORKFLOW["withdraw"].refusal))
    ChallengeApplication.WORKFLOW.apply(app, "withdraw")
    app.save(update_fields=["status"])
    log_action(actor, "innovation.challenge.withdrawn", ch, scope_path=ch.org_path, extra={"application": app.pk})
    return app


@transaction.atomic
def select(actor: Any, ch: Challenge, app: ChallengeApplication, reason: str) -> ChallengeApplication:
    """Exactly one winner, with a reason; the other applications are not selected; every applicant is told."""
    ch = _lock(ch)
    require(actor, "innovation.change", ch.org_path)
    FLOW.check(ch, "award")
    app = ChallengeApplication.objects.select_for_update().get(pk=app.pk)
    if app.challenge_id != ch.pk:
        raise ValidationError(str(ChallengeApplication.WORKFLOW["select"].refusal))
    ChallengeApplication.WORKFLOW.check(app, "select")
    reason = limits.bounded(reason, limits.REASON, _("遴选理由"))
    if not reason:
        raise ValidationError(_("请填写遴选理由。"))
    others = ChallengeApplication.WORKFLOW["not_select"]
    ChallengeApplication.objects.filter(challenge=ch, status__in=others.sources).exclude(pk=app.pk).update(
        status=others.target)
    ChallengeApplication.WORKFLOW.apply(app, "select")
    app.save(update_fields=["status"])
    _move(actor, ch, "award", "awarded", reason)
    for other in ch.applications.filter(status__in=(AS.SELECTED, AS.NOT_SELECTED)).select_related("leader__user"):
        won = other.pk == app.pk
        notify([other.leader.user],
               title=(_("揭榜成功：%(t)s") if won else _("揭榜结果：%(t)s 未入选")) % {"t": ch.title},
               body=reason if won else "", url=_url(ch), key=f"innovation-challenge-result-{other.pk}")
    return app


def winner(ch: Challenge) -> ChallengeApplication | None:
    app: ChallengeApplication | None = (ch.applications.filter(status=AS.SELECTED)
                                        .select_related("leader").first())
    return app


def can_manage(user: Any, ch: Challenge) -> bool:
    return bool(user_can(user, "innovation.change", ch.org_path))
