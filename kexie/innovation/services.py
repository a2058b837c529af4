"""Writes of 数字科创: enterprise registration and verification, technology needs through their statuses,
dispatches to societies (点菜) with answers, completion, the enterprise's rating and service records, overdue
escalation, and matching feedback.

Every write runs in a transaction, re-reads its row with ``select_for_update``, checks who may act on the fresh
row (staff: ``require()`` on the organisation path; enterprise users: membership of a verified enterprise) and
leaves an audit row. Bad input raises ``ValidationError`` with Chinese messages and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
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
from kexie.core.text import join_list
from kexie.core.validators import normalize_phone, normalize_uscc, validate_phone, validate_uscc
from kexie.innovation.data.industries import DIVISIONS
from kexie.innovation.models import (
    Confidentiality,
    Dispatch,
    DispatchStatus,
    Enterprise,
    MatchFeedback,
    Need,
    NeedEvent,
    NeedKind,
    NeedStatus,
    ServiceRecord,
    ServiceSource,
    VerifyStatus,
)
from kexie.notices.services import notify
from kexie.orgs.models import Organisation, Region
from kexie.people.models import Person

DIVISION_CODES = {code for code, _name, _section in DIVISIONS}
SOCIETY_KINDS = ("society", "society_branch", "society_union")
RESPOND_DAYS = 5  # 科协报到: a society answers a dispatch within five days unless staff agree otherwise
ESCALATE_AFTER_DAYS = 2  # overdue this long: the dispatching association's parent is told (督办)
EDITABLE = (NeedStatus.DRAFT, NeedStatus.RETURNED)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None



def _now() -> dt.datetime:
    return timezone.now()


# ---- enterprises --------------------------------------------------------------------------------
def host_for(region: Region | None) -> Organisation:
    """The association that serves an enterprise: the 科协 of its region, else of the nearest region above it,
    else the province association."""
    while region is not None:
        org: Organisation | None = (Organisation.objects.alive().filter(kind__code="kx", region=region)
                                    .order_by("depth").first())
        if org is not None:
            return org
        region = region.parent
    root: Organisation = Organisation.objects.alive().filter(depth=1).order_by("path").first()  # type: ignore[assignment]  # the tree always has a root
    return root


@transaction.atomic
def register_enterprise(user: Any, *, name: str, uscc: str, contact_name: str, contact_phone: str,
                        industry: str = "", region_code: str = "", address: str = "") -> Enterprise:
    """An enterprise account: the credit code is checked (GB 32100) and must be new; staff verify it next."""
    errors: list[str] = []
    name, contact_name, address = name.strip(), contact_name.strip(), address.strip()
    code = normalize_uscc(uscc or "")
    if not name:
        errors.append(_("请填写企业名称。"))
    elif len(name) > 120:
        errors.append(_("企业名称不能超过 120 个字。"))
    try:
        validate_uscc(code)
    except ValidationError as exc:
        errors.extend(exc.messages)
    if not contact_name:
        errors.append(_("请填写联系人。"))
    phone = normalize_phone(contact_phone or "")
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            errors.extend(exc.messages)
    else:
        errors.append(_("请填写联系电话。"))
    if industry and industry not in DIVISION_CODES:
        errors.append(_("行业代码“%(c)s”不是国民经济行业分类的大类代码。") % {"c": industry})
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if region_code and region is None:
        errors.append(_("地区代码“%(c)s”不存在。") % {"c": region_code})
    if errors:
        raise ValidationError(errors)
    if Enterprise.objects.filter(uscc=code).exists():
        raise ValidationError(_("该统一社会信用代码已注册，请联系本企业的管理员添加账号。"))
    host = host_for(region)
    ent = Enterprise.objects.create(name=name, uscc=code, industry=industry, region=region, host=host,
                                    org_path=host.path, address=address[:200], contact_name=contact_name[:40],
                                    contact_phone=phone)
    if _user(user) is not None:
        ent.users.add(user)
    log_action(user, "innovation.enterprise.registered", ent, scope_path=ent.org_path,
               after=snapshot(ent, Enterprise.AUDIT_FIELDS))
    staff = [u for us in users_at([host.pk]).values() for u in us]
    notify(staff, title=_("新企业注册待核验：%(n)s") % {"n": name}, url=reverse("innovation:enterprise", args=[ent.pk]),
           key=f"innovation-enterprise-{ent.pk}")
    return ent


@transaction.atomic
def verify_enterprise(actor: Any, ent: Enterprise, verdict: str, reason: str = "") -> Enterprise:
    ent = Enterprise.objects.select_for_update().get(pk=ent.pk)
    require(actor, "change", ent.org_path)
    if verdict not in ("verify", "reject"):
        raise ValidationError(_("请选择核验结论。"))
    reason = reason.strip()
    if verdict == "reject" and not reason:
        raise ValidationError(_("不通过核验须说明理由。"))
    before = snapshot(ent, Enterprise.AUDIT_FIELDS)
    ent.status = VerifyStatus.VERIFIED if verdict == "verify" else VerifyStatus.REJECTED
    ent.status_reason, ent.verified_by, ent.verified_at = reason[:500], _user(actor), _now()
    ent.save()
    log_action(actor, "innovation.enterprise.verified", ent, scope_path=ent.org_path, before=before,
               after=snapshot(ent, Enterprise.AUDIT_FIELDS))
    notify(list(ent.users.all()), title=_("企业核验结果：%(s)s") % {"s": ent.get_status_display()}, body=reason,
           url=reverse("innovation:needs"), key=f"innovation-enterprise-verdict-{ent.pk}-{ent.status}")
    return ent


def enterprise_of(user: Any) -> Enterprise | None:
    """The verified enterprise a user acts for (the first, if several)."""
    if not getattr(user, "pk", None):
        return None
    ent: Enterprise | None = (Enterprise.objects.alive().filter(users=user, status=VerifyStatus.VERIFIED)
                              .order_by("pk").first())
    return ent


def is_enterprise_user(user: Any, need: Need) -> bool:
    return bool(need.enterprise_id and getattr(user, "pk", None)
                and need.enterprise is not None and need.enterprise.users.filter(pk=user.pk).exists())


def visible_q(user: Any) -> Q:
    """Who sees a need: staff of its association's subtree, the users of its enterprise, the staff of the societies
    it was dispatched to, and the experts serving it (a service team's members, an introduced expert). A need
    "visible to matched experts only" reaches no one else; the marketplace shows public ones only."""
    return (Q(pk__in=Need.objects.for_user(user).values("pk")) | Q(enterprise__users=user)
            | Q(pk__in=Dispatch.objects.for_user(user).values("need_id"))
            | Q(dispatches__team__user=user) | Q(dispatches__team_leader__user=user)
            | Q(introductions__expert__user=user, introductions__status__in=("brokered", "accepted", "done")))


def can_edit(user: Any, need: Need) -> bool:
    return is_enterprise_user(user, need) or bool(user_can(user, "change", need.org_path))


# ---- needs -------------------------------------------------------------------------------------------
NEED_FIELDS = ("title", "description", "industry", "region", "kind", "budget", "deadline", "confidentiality")


def clean_need(values: Mapping[str, Any], *, submit: bool) -> tuple[dict[str, Any], list[str]]:
    """Typed need fields and the problems, in Chinese. Required fields are enforced on submit only."""
    out: dict[str, Any] = {}
    errors: list[str] = []
    title = str(values.get("title") or "").strip()
    description = str(values.get("description") or "").strip()
    if len(title) > 120:
        errors.append(_("需求名称不能超过 120 个字。"))
    if len(description) > 4000:
        errors.append(_("需求描述不能超过 4000 字。"))
    out["title"], out["description"] = title[:120], description[:4000]
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
                             comment=comment[:2000], org_path=need.org_path)


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
        require(actor, "change", owner.path)
        if enterprise is not None and not is_system(actor) and not user_can(actor, "view", enterprise.org_path):
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
    if need.status not in EDITABLE:
        raise ValidationError(_("需求已提交，不能再修改（退回修改后方可修改）。"))
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
    if need.status not in EDITABLE:
        raise ValidationError(_("需求已提交。"))
    _data, errors = clean_need({k: getattr(need, k) for k in NEED_FIELDS}, submit=True)
    if errors:
        raise ValidationError(errors)
    before = need.status
    need.status, need.submitted_at, need.status_reason = NeedStatus.SUBMITTED, _now(), ""
    need.save()
    _event(actor, need, "submitted", before)
    log_action(actor, "innovation.need.submitted", need, scope_path=need.org_path)
    staff = [u for us in users_at([need.owner_id]).values() for u in us]
    notify(staff, title=_("新技术需求待审核：%(t)s") % {"t": need.title}, url=reverse("innovation:need", args=[need.pk]),
           key=f"innovation-need-submitted-{need.pk}-{need.submitted_at:%Y%m%d%H%M%S}")
    return need


REVIEW_VERDICTS = {"approve": NeedStatus.PUBLISHED, "return": NeedStatus.RETURNED, "reject": NeedStatus.CLOSED}


@transaction.atomic
def review_need(actor: Any, need: Need, verdict: str, reason: str = "") -> Need:
    """审核 before publication: approve (发布), return for revision, or reject (关闭); a reason unless approved."""
    need = _lock(need)
    require(actor, "change", need.org_path)
    if verdict not in REVIEW_VERDICTS:
        raise ValidationError(_("请选择审核结论。"))
    if need.status not in (NeedStatus.SUBMITTED, NeedStatus.REVIEWING):
        raise ValidationError(_("只能审核已提交的需求。"))
    reason = reason.strip()
    if verdict != "approve" and not reason:
        raise ValidationError(_("退回或不予发布须说明理由。"))
    before = need.status
    need.status, need.status_reason = REVIEW_VERDICTS[verdict], reason[:2000]
    if verdict == "approve":
        need.published_at = _now()
    if verdict == "reject":
        need.closed_at = _now()
    need.save()
    _event(actor, need, f"review_{verdict}", before, reason)
    log_action(actor, "innovation.need.reviewed", need, scope_path=need.org_path, extra={"verdict": verdict})
    _tell_enterprise(need, _("需求审核结果：%(s)s") % {"s": need.get_status_display()}, reason)
    return need


def _tell_enterprise(need: Need, title: str, body: str = "") -> None:
    if need.enterprise is not None:
        notify(list(need.enterprise.users.all()), title=title, body=body,
               url=reverse("innovation:need", args=[need.pk]),
               key=f"innovation-need-{need.pk}-{need.status}-{timezone.now():%Y%m%d%H%M%S%f}")


# ---- 点菜: dispatches ---------------------------------------------------------------------------------
@transaction.atomic
def dispatch(actor: Any, need: Need, societies: Sequence[Organisation], *, respond_days: int = RESPOND_DAYS,
             note: str = "") -> list[Dispatch]:
    need = _lock(need)
    require(actor, "change", need.org_path)
    if need.status not in OPEN_FOR_DISPATCH:
        raise ValidationError(_("只有已发布的需求可以派单。"))
    if not societies:
        raise ValidationError(_("请选择承接的学会。"))
    if isinstance(respond_days, bool) or not isinstance(respond_days, int) or not 1 <= respond_days <= 30:
        raise ValidationError(_("响应期限应为 1 到 30 天。"))
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
    made = [Dispatch.objects.create(need=need, society=s, society_path=s.path, org_path=need.org_path, note=note[:2000],
                                    dispatched_by=_user(actor), respond_by=due) for s in societies]
    before = need.status
    if need.status == NeedStatus.PUBLISHED:
        need.status = NeedStatus.MATCHING
        need.save(update_fields=["status", "updated_at"])
    _event(actor, need, "dispatched", before, join_list(s.name for s in societies))
    log_action(actor, "innovation.need.dispatched", need, scope_path=need.org_path,
               extra={"societies": [s.pk for s in societies], "respond_by": due.isoformat()})
    staff = users_at([s.pk for s in societies])
    for d in made:
        notify(staff.get(d.society_id, []), title=_("科协报到：请响应技术需求“%(t)s”") % {"t": need.title},
               body=_("请于 %(d)s 前答复：组建服务团队或说明婉拒理由。") % {
                   "d": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
               url=reverse("innovation:dispatch", args=[d.pk]), key=f"innovation-dispatch-{d.pk}")
    return made


OPEN_FOR_DISPATCH = (NeedStatus.PUBLISHED, NeedStatus.MATCHING, NeedStatus.MATCHED)


def _lock_dispatch(d: Dispatch) -> Dispatch:
    fresh: Dispatch = (Dispatch.objects.select_for_update(of=("self",)).select_related("need", "society", "need__enterprise")
                       .get(pk=d.pk))
    return fresh


@transaction.atomic
def respond(actor: Any, d: Dispatch, *, accept: bool, leader: Person | None = None,
            team: Iterable[Person] = (), plan: str = "", reason: str = "") -> Dispatch:
    """The society answers: a service team (leader, members, plan) or a reason to decline."""
    d = _lock_dispatch(d)
    require(actor, "change", d.society_path)
    if d.status != DispatchStatus.WAITING:
        raise ValidationError(_("该派单已答复。"))
    need = _lock(d.need)
    if need.status not in OPEN_FOR_DISPATCH:
        raise ValidationError(_("需求已%(s)s，无需再答复。") % {"s": need.get_status_display()})
    if accept:
        members = list({p.pk: p for p in team}.values())
        errors = []
        if leader is None:
            errors.append(_("请指定服务团队负责人。"))
        if not plan.strip():
            errors.append(_("请填写服务方案。"))
        if len(members) > 30:
            errors.append(_("服务团队不超过 30 人。"))
        if errors:
            raise ValidationError(errors)
        d.status, d.team_leader, d.plan = DispatchStatus.ACCEPTED, leader, plan.strip()[:4000]
    else:
        if not reason.strip():
            raise ValidationError(_("婉拒须说明理由。"))
        d.status, d.decline_reason = DispatchStatus.DECLINED, reason.strip()[:2000]
    d.responded_at = _now()
    d.save()
    if accept:
        d.team.set(members)
    before = need.status
    if accept and need.status == NeedStatus.MATCHING:
        need.status = NeedStatus.MATCHED
        need.save(update_fields=["status", "updated_at"])
    elif not accept and not Dispatch.objects.filter(need=need, status__in=(
            DispatchStatus.WAITING, DispatchStatus.ACCEPTED, DispatchStatus.DONE)).exists() \
            and need.status == NeedStatus.MATCHING:
        need.status = NeedStatus.PUBLISHED  # every society declined: back to the pool for another dispatch
        need.save(update_fields=["status", "updated_at"])
    _event(actor, need, "accepted" if accept else "declined", before,
           f"{d.society.name}：{d.plan if accept else d.decline_reason}")
    log_action(actor, "innovation.dispatch.answered", d, scope_path=d.society_path,
               extra={"accept": accept, "need": need.pk})
    staff = [u for us in users_at([need.owner_id]).values() for u in us]
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
    require(actor, "change", d.society_path)
    if d.status != DispatchStatus.ACCEPTED:
        raise ValidationError(_("只有已响应的派单可以标记服务完成。"))
    if not outcome.strip():
        raise ValidationError(_("请填写服务成效。"))
    d.status, d.completed_at, d.outcome = DispatchStatus.DONE, _now(), outcome.strip()[:4000]
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
                                  or (need.enterprise_id is None and user_can(actor, "change", need.org_path))):
        raise PermissionDenied(_("只有需求企业可以评价服务。"))
    if d.status != DispatchStatus.DONE:
        raise ValidationError(_("服务完成后方可评价。"))
    if d.rating is not None:
        raise ValidationError(_("已评价过这次服务。"))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError(_("评价应为 1 到 5 星。"))
    d.rating, d.rating_comment, d.rated_at = rating, comment.strip()[:2000], _now()
    d.save()
    experts = ([d.team_leader] if d.team_leader else []) + [p for p in d.team.all() if p.pk != d.team_leader_id]
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


@transaction.atomic
def solve(actor: Any, need: Need, outcome: str) -> Need:
    """已解决: the enterprise (or staff) closes a matched need with what came of it."""
    need = _lock(need)
    _require_edit(actor, need)
    if need.status not in (NeedStatus.MATCHED, NeedStatus.MATCHING):
        raise ValidationError(_("只有对接中或已对接的需求可以标记为已解决。"))
    if not outcome.strip():
        raise ValidationError(_("请填写解决情况。"))
    before = need.status
    need.status, need.outcome, need.closed_at = NeedStatus.SOLVED, outcome.strip()[:4000], _now()
    need.save()
    _event(actor, need, "solved", before, need.outcome)
    log_action(actor, "innovation.need.solved", need, scope_path=need.org_path)
    return need


@transaction.atomic
def close(actor: Any, need: Need, reason: str) -> Need:
    need = _lock(need)
    _require_edit(actor, need)
    if need.status in (NeedStatus.SOLVED, NeedStatus.CLOSED):
        raise ValidationError(_("需求已办结。"))
    if not reason.strip():
        raise ValidationError(_("请说明关闭理由。"))
    before = need.status
    need.status, need.status_reason, need.closed_at = NeedStatus.CLOSED, reason.strip()[:2000], _now()
    need.save()
    Dispatch.objects.filter(need=need, status=DispatchStatus.WAITING).update(status=DispatchStatus.WITHDRAWN)
    _event(actor, need, "closed", before, need.status_reason)
    log_action(actor, "innovation.need.closed", need, scope_path=need.org_path)
    return need


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
        society_staff = users_at([d.society_id]).get(d.society_id, [])
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
                recipients += users_at([parent.pk]).get(parent.pk, [])
        notify(recipients, title=title, body=body, url=url, key=f"innovation-overdue-{d.pk}-{level}")
        Dispatch.objects.filter(pk=d.pk, escalation__lt=level).update(escalation=level)
        counts["escalated" if level == 2 else "reminded"] += 1
    return counts


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
