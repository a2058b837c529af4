"""Writes of technology needs: drafts, edits, submission, review (发布), 已解决 and 关闭 along ``Need.WORKFLOW``;
who sees and edits a need; matching feedback (有用 / 无用).

Every write runs in a transaction, re-reads its row with ``select_for_update``, checks who may act on the fresh
row (staff: ``require()`` on the organisation path; enterprise users: membership of a verified enterprise) and
leaves an audit row. Bad input raises ``ValidationError`` with Chinese messages and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.accounts.services import users_at
from kexie.core.audit import log_action, snapshot
from kexie.core.scope import user_can
from kexie.core.services import is_system, require
from kexie.innovation import limits
from kexie.innovation.data.industries import DIVISIONS
from kexie.innovation.models import (
    Confidentiality,
    Dispatch,
    Enterprise,
    MatchFeedback,
    Need,
    NeedEvent,
    NeedKind,
)
from kexie.innovation.needs.enterprises import _now, _user, enterprise_of, is_enterprise_user
from kexie.notices.services import notify
from kexie.orgs.models import Organisation, Region
from kexie.people.models import Person

DIVISION_CODES = {code for code, _name, _section in DIVISIONS}


def visible_q(user: Any) -> Q:
    """Who sees a need: staff of its association's subtree, the users of its enterprise, the staff of the societies
    it was dispatched to, and the experts serving it (a service team's members, an introduced expert). A need
    "visible to matched experts only" reaches no one else; the marketplace shows public ones only."""
    return (Q(pk__in=Need.objects.for_user(user).values("pk")) | Q(enterprise__users=user)
            | Q(pk__in=Dispatch.objects.for_user(user).values("need_id"))
            | Q(dispatches__team__user=user) | Q(dispatches__team_leader__user=user)
            | Q(introductions__expert__user=user, introductions__status__in=("brokered", "accepted", "done")))


def can_edit(user: Any, need: Need) -> bool:
    return is_enterprise_user(user, need) or bool(user_can(user, "innovation.change", need.org_path))


# ---- needs -------------------------------------------------------------------------------------------
NEED_FIELDS = ("title", "description", "industry", "region", "kind", "budget", "deadline", "confidentiality")


def clean_need(values: Mapping[str, Any], *, submit: bool) -> tuple[dict[str, Any], list[str]]:
    """Typed need fields and the problems, in Chinese. Required fields are enforced on submit only."""
    out: dict[str, Any] = {}
    errors: list[str] = []
    title = str(values.get("title") or "").strip()
    description = str(values.get("description") or "").strip()
    if len(title) > limits.TITLE:
        errors.append(_("需求名称不能超过 120 个字。"))
    if len(description) > limits.OUTCOME:
        errors.append(_("需求描述不能超过 4000 字。"))
    out["title"], out["description"] = title, description  # too long: refused above, never cut
    industry = str(values.get("industry") or "").strip()
    if industry and industry not in DIVISION_CODES:
        errors.append(_("行业代码“%(c)s”不是国民经济行业分类的大类代码。") % {"c": industry})
    out["industry"] = industry
    kind = str(values.get("kind") or "").strip()
    if kind and kind not in NeedKind.values:
        errors.append(_("需求类型无效。"))
    out["kind"] = kind
    region = values.get("region")
    if isinstance(region, str):
        region = Region.objects.filter(code=region).first() if region else None
        if values.get("region") and region is None:
            errors.append(_("地区代码“%(c)s”不存在。") % {"c": values.get("region")})
    out["region"] = region
    budget = values.get("budget")
    if budget in (None, ""):
        out["budget"] = None
    else:
        try:
            amount = Decimal(str(budget).replace(",", "").strip())
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
                raise InvalidOperation
            out["budget"] = amount.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors.append(_("预算应为非负数（万元）。"))
    deadline = values.get("deadline")
    if deadline in (None, ""):
        out["deadline"] = None
    elif isinstance(deadline, dt.date):
        out["deadline"] = deadline
    else:
        try:
            out["deadline"] = dt.date.fromisoformat(str(deadline))
        except ValueError:
            errors.append(_("期望解决时间的格式应为 YYYY-MM-DD。"))
    conf = str(values.get("confidentiality") or Confidentiality.PUBLIC)
    if conf not in Confidentiality.values:
        errors.append(_("公开范围无效。"))
    out["confidentiality"] = conf
    if submit:
        for key, label in (("title", _("需求名称")), ("description", _("需求描述")), ("industry", _("所属行业")),
                           ("kind", _("需求类型"))):
            if not out.get(key):
                errors.append(_("请填写%(f)s。") % {"f": label})
        if out.get("deadline") and out["deadline"] < timezone.localdate():
            errors.append(_("期望解决时间不能早于今天。"))
    return out, errors


def _event(actor: Any, need: Need, action: str, before: str, comment: str = "") -> None:
    NeedEvent.objects.create(need=need, action=action, from_status=before, to_status=need.status, actor=_user(actor),
                             comment=comment, org_path=need.org_path)


def _next_code() -> str:
    """XQ + year + a running number (five digits, more past 99999: the longest code is the latest)."""
    year = timezone.localdate().year
    prefix = f"XQ{year}"
    last: str | None = (Need.objects.filter(code__startswith=prefix).annotate(n=Length("code"))
                        .order_by("-n", "-code").values_list("code", flat=True).first())
    tail = last[len(prefix):] if last else ""
    n = int(tail) + 1 if tail.isdigit() else 1
    return f"{prefix}{n:05d}"


CODE_ATTEMPTS = 5


def _save_with_code(need: Need) -> None:
    """Saves a new need under the next free code. Two needs created at the same moment read the same last code;
    the unique index stops the second, which takes the following number (in a savepoint, so the transaction
    goes on)."""
    for attempt in range(CODE_ATTEMPTS):
        need.code = _next_code()
        try:
            with transaction.atomic():
                need.save()
            return
        except IntegrityError:
            need.pk = None
            if attempt == CODE_ATTEMPTS - 1 or not Need.objects.filter(code=need.code).exists():
                raise


@transaction.atomic
def create_need(actor: Any, *, owner: Organisation | None = None, enterprise: Enterprise | None = None,
                **values: Any) -> Need:
    """A draft need: by an enterprise user for their verified enterprise (served by its host association), or by
    staff for an organisation in their scope (optionally on behalf of an enterprise it serves)."""
    own = enterprise_of(actor) if owner is None else None
    if owner is None:
        if own is None:
            raise PermissionDenied(_("企业尚未通过核验，暂不能发布需求。"))
        enterprise, owner = own, own.host
    else:
        require(actor, "innovation.change", owner.path)
        if enterprise is not None and not is_system(actor) and not user_can(actor, "innovation.view", enterprise.org_path):
            raise PermissionDenied(_("该企业不在您的服务范围内。"))
    data, errors = clean_need(values, submit=False)
    if errors:
        raise ValidationError(errors)
    need = Need(owner=owner, org_path=owner.path, enterprise=enterprise,
                created_by=_user(actor), **{k: v for k, v in data.items() if k in NEED_FIELDS})
    _save_with_code(need)
    _event(actor, need, "created", "")
    log_action(actor, "innovation.need.created", need, scope_path=need.org_path,
               after=snapshot(need, Need.AUDIT_FIELDS))
    return need


def _lock(need: Need) -> Need:
    fresh: Need = Need.objects.select_for_update(of=("self",)).select_related("enterprise", "owner").get(pk=need.pk)
    return fresh


def _require_edit(actor: Any, need: Need) -> None:
    if not is_system(actor) and not can_edit(actor, need):
        raise PermissionDenied(_("您不能修改这条需求。"))


@transaction.atomic
def edit_need(actor: Any, need: Need, **values: Any) -> Need:
    need = _lock(need)
    _require_edit(actor, need)
    Need.WORKFLOW.check(need, "edit")
    data, errors = clean_need({**{k: getattr(need, k) for k in NEED_FIELDS}, **values}, submit=False)
    if errors:
        raise ValidationError(errors)
    before = snapshot(need, Need.AUDIT_FIELDS)
    for k, v in data.items():
        setattr(need, k, v)
    need.save()
    log_action(actor, "innovation.need.edited", need, scope_path=need.org_path, before=before,
               after=snapshot(need, Need.AUDIT_FIELDS))
    return need


@transaction.atomic
def submit_need(actor: Any, need: Need) -> Need:
    need = _lock(need)
    _require_edit(actor, need)
    Need.WORKFLOW.check(need, "submit")
    _data, errors = clean_need({k: getattr(need, k) for k in NEED_FIELDS}, submit=True)
    if errors:
        raise ValidationError(errors)
    before, _new = Need.WORKFLOW.apply(need, "submit")
    need.submitted_at, need.status_reason = _now(), ""
    need.save()
    _event(actor, need, "submitted", before)
    log_action(actor, "innovation.need.submitted", need, scope_path=need.org_path)
    staff = [u for us in users_at([need.owner_id], "innovation.change").values() for u in us]
    notify(staff, title=_("新技术需求待审核：%(t)s") % {"t": need.title}, url=reverse("innovation:need", args=[need.pk]),
           key=f"innovation-need-submitted-{need.pk}-{need.submitted_at:%Y%m%d%H%M%S}")
    return need


REVIEW_VERDICTS = ("approve", "return", "reject")  # transitions of Need.WORKFLOW


@transaction.atomic
def review_need(actor: Any, need: Need, verdict: str, reason: str = "") -> Need:
    """审核 before publication: approve (发布), return for revision, or reject (关闭); a reason unless approved."""
    need = _lock(need)
    require(actor, "innovation.change", need.org_path)
    if verdict not in REVIEW_VERDICTS:
        raise ValidationError(_("请选择审核结论。"))
    Need.WORKFLOW.check(need, verdict)
    reason = limits.bounded(reason, limits.REASON, _("审核意见"))
    if verdict != "approve" and not reason:
        raise ValidationError(_("退回或不予发布须说明理由。"))
    before, _new = Need.WORKFLOW.apply(need, verdict)
    need.status_reason = reason
    if verdict == "approve":
        need.published_at = _now()
    if verdict == "reject":
        need.closed_at = _now()
    need.save()
    _event(actor, need, f"review_{verdict}", before, reason)
    log_action(actor, "innovation.need.reviewed", need, scope_path=need.org_path, extra={"verdict": verdict})
    _tell_enterprise(need, _("需求「%(t)s」审核结果：%(s)s") % {"s": need.get_status_display(), "t": need.title},
                     reason)
    return need


def _tell_enterprise(need: Need, title: str, body: str = "") -> None:
    if need.enterprise is not None:
        notify(list(need.enterprise.users.all()), title=title, body=body,
               url=reverse("innovation:need", args=[need.pk]),
               key=f"innovation-need-{need.pk}-{need.status}-{timezone.now():%Y%m%d%H%M%S%f}")


@transaction.atomic
def solve(actor: Any, need: Need, outcome: str) -> Need:
    """已解决: the enterprise (or staff) closes a matched need with what came of it."""
    need = _lock(need)
    _require_edit(actor, need)
    Need.WORKFLOW.check(need, "solve")
    outcome = limits.bounded(outcome, limits.OUTCOME, _("解决情况"))
    if not outcome:
        raise ValidationError(_("请填写解决情况。"))
    before, _new = Need.WORKFLOW.apply(need, "solve")
    need.outcome, need.closed_at = outcome, _now()
    need.save()
    _event(actor, need, "solved", before, need.outcome)
    log_action(actor, "innovation.need.solved", need, scope_path=need.org_path)
    return need


@transaction.atomic
def close(actor: Any, need: Need, reason: str) -> Need:
    need = _lock(need)
    _require_edit(actor, need)
    Need.WORKFLOW.check(need, "close")
    reason = limits.bounded(reason, limits.REASON, _("关闭理由"))
    if not reason:
        raise ValidationError(_("请说明关闭理由。"))
    before, _new = Need.WORKFLOW.apply(need, "close")
    need.status_reason, need.closed_at = reason, _now()
    need.save()
    withdraw = Dispatch.WORKFLOW["withdraw"]  # the dispatches still waiting for an answer are withdrawn with it
    Dispatch.objects.filter(need=need, status__in=withdraw.sources).update(status=withdraw.target)
    _event(actor, need, "closed", before, need.status_reason)
    log_action(actor, "innovation.need.closed", need, scope_path=need.org_path)
    return need


# ---- matching feedback ----------------------------------------------------------------------------
def markable(actor: Any, need: Need, person: Person) -> bool:
    """Whom a user may mark for a need: the experts the matcher can offer them (it ranks only people in their
    view scope) and the experts who served the need (its service teams, experts introduced for it) — not any
    person of the province by id."""
    if Person.objects.for_user(actor).filter(pk=person.pk).exists():
        return True
    served = (Q(led_dispatches__need=need) | Q(team_dispatches__need=need)
              | Q(introductions__need=need, introductions__status__in=("brokered", "accepted", "done")))
    return Person.objects.filter(served, pk=person.pk).exists()


@transaction.atomic
def mark(actor: Any, need: Need, person: Person, useful: bool, rank: int = 0) -> MatchFeedback:
    """有用 / 无用 on a matching result, by staff in scope or the need's enterprise; one mark per user, and only
    about an expert the user was offered for this need (``markable``)."""
    need = _lock(need)
    if not is_system(actor) and not can_edit(actor, need):
        raise PermissionDenied(_("您不能评价这条需求的匹配结果。"))
    if person.deleted_at is not None or (not is_system(actor) and not markable(actor, need, person)):
        raise PermissionDenied(_("只能评价为本需求匹配或服务过的专家。"))
    fb, _created = MatchFeedback.objects.update_or_create(
        need=need, person=person, by=_user(actor),
        defaults={"useful": bool(useful), "rank": max(0, min(int(rank), 1000)), "org_path": need.org_path})
    return fb
