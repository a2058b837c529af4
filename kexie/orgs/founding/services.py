"""网上组建企业（园区）科协 (decision 0037): submit, resubmit, withdraw by the applicant; approve, return, reject by
the parent association's staff (``orgs.change`` over the parent's current path). Approval creates the organisation
under the parent through ``kexie.orgs.services.create_organisation`` and grants the applicant the administrator
role there; every step writes an event row, an audit row and a notice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.accounts.services import grant_role, users_at
from kexie.core.services import SYSTEM
from kexie.core.validators import normalize_phone, normalize_uscc, validate_phone, validate_uscc
from kexie.notices.services import notify
from kexie.orgs.models import Organisation, OrgKind, OrgStatus
from kexie.orgs.models_founding import (
    OPEN_FORMATION,
    PARENT_KINDS,
    PARENT_LEVELS,
    FormationAction,
    FormationEvent,
    FormationKind,
    FormationRequest,
    FormationStatus,
)
from kexie.orgs.services import create_organisation
from kexie.reviewing.steps import Review

FLOW = FormationRequest.WORKFLOW
REVIEW = Review(model=FormationRequest, event_model=FormationEvent, event_link="request", actions=FormationAction,
                audit_prefix="orgs.formation", decide_action="orgs.change", related=("parent", "applicant"),
                reason_missing=gettext_lazy("请填写理由，申请人会看到。"), snapshots=False, collapse_reason=True,
                stamp_withdrawal=False)
APPLICANT_ROLE = "admin"  # the founder administers the new association: its people, its accounts (decision 0037)
MEETING_WINDOW_DAYS = 366  # the founding meeting lies within a year before or after the application
MAX_SCIENTISTS = 1_000_000


@dataclass(frozen=True)
class FormationInput:
    kind: str
    parent: Organisation
    enterprise_name: str
    uscc: str
    proposed_name: str
    scientists: int
    chair_name: str
    chair_phone: str  # "" on a resubmission keeps the stored number (forms never pre-fill full values)
    secretary_name: str
    secretary_phone: str
    meeting_on: dt.date


# ---- look-ups ---------------------------------------------------------------------------------------------
def parent_choices() -> QuerySet[Organisation]:
    """Where an enterprise or park 科协 may be founded: city and county 科协 and 园区科协 in operation."""
    qs: QuerySet[Organisation] = Organisation.objects.alive().filter(
        status=OrgStatus.ACTIVE, kind__code__in=PARENT_KINDS, level__in=PARENT_LEVELS)
    return qs


def default_name(enterprise_name: str) -> str:
    """The proposed name the form offers: "<企业>科协" (a 园区 too)."""
    name = (enterprise_name or "").strip()
    return f"{name}科协" if name else ""


def staff_queue(user: Any) -> QuerySet[FormationRequest]:
    qs: QuerySet[FormationRequest] = FormationRequest.objects.for_user(user, "orgs.change").select_related(
        "parent", "applicant")
    return qs


def my_requests(user: Any) -> QuerySet[FormationRequest]:
    qs: QuerySet[FormationRequest] = (FormationRequest.objects.filter(applicant=user)
                                      .select_related("parent", "organisation").order_by("-submitted_at", "-id"))
    return qs


def is_applicant(user: Any, req: FormationRequest) -> bool:
    return bool(getattr(user, "pk", None)) and req.applicant_id == user.pk


def request_url(req: FormationRequest) -> str:
    return reverse("orgs:founding-request", args=[req.pk])


def _parent_staff(parent: Organisation) -> list[Any]:
    """Who hears of a new request: the staff (``orgs.change``) of the parent, else of the nearest organisation
    above it that has any."""
    steplen = Organisation.steplen
    paths = [parent.path[:n] for n in range(len(parent.path), 0, -steplen)]
    ids = dict(Organisation.objects.filter(path__in=paths).values_list("path", "pk"))
    staff = users_at(ids.values(), "orgs.change")
    for path in paths:
        users = staff.get(ids.get(path, -1))
        if users:
            return list(users)
    return []


# ---- checks ----------------------------------------------------------------------------------------------
def _clean(data: FormationInput, current: FormationRequest | None) -> dict[str, Any]:
    errors: list[str] = []
    kind = data.kind if data.kind in FormationKind.values else ""
    if not kind:
        errors.append(_("请选择组建类型。"))
    parent = data.parent
    if not parent_choices().filter(pk=parent.pk).exists():
        errors.append(_("“%(p)s”不能受理组建申请：请选择所在市、县（市、区）科协或园区科协。") % {"p": parent.name})
    elif kind == FormationKind.PARK and parent.kind.code != "kx":
        errors.append(_("园区科协应在市或县（市、区）科协下组建，不能在另一个园区科协下组建。"))
    enterprise_name = " ".join((data.enterprise_name or "").split())
    if not enterprise_name:
        errors.append(_("请填写企业（园区）名称。"))
    uscc = normalize_uscc(data.uscc)
    try:
        validate_uscc(uscc)
    except ValidationError as exc:
        errors.extend(exc.messages)
    proposed = " ".join((data.proposed_name or "").split()) or default_name(enterprise_name)
    if proposed and not proposed.endswith(("科协", "科学技术协会")):
        errors.append(_("拟定名称应以“科协”或“科学技术协会”结尾，例如“%(n)s”。") % {"n": default_name(enterprise_name)})
    if not 1 <= data.scientists <= MAX_SCIENTISTS:
        errors.append(_("科技工作者人数应在 1 到 %(n)s 之间。") % {"n": MAX_SCIENTISTS})
    people: dict[str, str] = {}
    for label, name, phone, stored in (
            (_("拟任主席"), data.chair_name, data.chair_phone, current.chair_phone if current else ""),
            (_("拟任秘书长"), data.secretary_name, data.secretary_phone, current.secretary_phone if current else "")):
        if not " ".join((name or "").split()):
            errors.append(_("请填写%(who)s的姓名。") % {"who": label})
        phone = normalize_phone(phone or "") or stored
        if not phone:
            errors.append(_("请填写%(who)s的联系电话。") % {"who": label})
        else:
            try:
                validate_phone(phone)
            except ValidationError:
                errors.append(_("%(who)s的联系电话格式不正确：请填写 11 位手机号或带区号的固定电话。") % {"who": label})
        people[str(label)] = phone
    today = timezone.localdate()
    window = dt.timedelta(days=MEETING_WINDOW_DAYS)
    if not today - window <= data.meeting_on <= today + window:
        errors.append(_("成立大会日期应在一年之内（%(a)s 至 %(b)s）。") % {"a": today - window, "b": today + window})
    if errors:
        raise ValidationError(errors)
    chair_phone, secretary_phone = people.values()
    return {"kind": kind, "parent": parent, "org_path": parent.path, "enterprise_name": enterprise_name,
            "uscc": uscc, "proposed_name": proposed, "scientists": data.scientists,
            "chair_name": " ".join(data.chair_name.split()), "chair_phone": chair_phone,
            "secretary_name": " ".join(data.secretary_name.split()), "secretary_phone": secretary_phone,
            "meeting_on": data.meeting_on}


def duplicates(parent: Organisation, uscc: str, name: str, exclude: int | None = None) -> list[str]:
    """Why a request would duplicate another: an open request for the credit code or of that name under the
    parent, or an existing organisation (``existing``)."""
    problems: list[str] = []
    open_requests = FormationRequest.objects.filter(status__in=OPEN_FORMATION)
    if exclude is not None:
        open_requests = open_requests.exclude(pk=exclude)
    same = open_requests.filter(uscc=uscc).select_related("parent").first()
    if same is not None:
        problems.append(_("统一社会信用代码 %(c)s 已有待办理的组建申请（%(n)s，向%(p)s提交），不能重复申请。") % {
            "c": uscc, "n": same.proposed_name, "p": same.parent.name})
    if open_requests.filter(parent=parent, proposed_name=name).exists():
        problems.append(_("%(p)s已有名为“%(n)s”的待办理组建申请，请换一个名称。") % {"p": parent.name, "n": name})
    return problems + existing(parent, uscc, name)


def existing(parent: Organisation, uscc: str, name: str) -> list[str]:
    """An organisation already registered with the credit code, or of that name directly under the parent."""
    problems: list[str] = []
    org = Organisation.objects.filter(uscc=uscc).first()
    if org is not None:
        problems.append(_("统一社会信用代码 %(c)s 已登记为组织“%(n)s”，不能重复组建。") % {"c": uscc, "n": org.name})
    if Organisation.objects.alive().filter(path__startswith=parent.path, depth=parent.depth + 1, name=name).exists():
        problems.append(_("%(p)s下已有名为“%(n)s”的组织，请换一个名称。") % {"p": parent.name, "n": name})
    return problems


def _store_attachment(req: FormationRequest, attachment: UploadedFile | None) -> None:
    if attachment is None:
        return
    ext = (attachment.name or "").rsplit(".", 1)[-1].lower()
    old = req.attachment.name if req.attachment else ""
    req.attachment.save(f"request-{req.pk}.{ext}", attachment, save=False)
    req.attachment_name = (attachment.name or "")[:200]
    if old and old != req.attachment.name:
        req.attachment.storage.delete(old)


def _notify_arrival(req: FormationRequest, resubmitted: bool = False) -> None:
    title = (_("组建申请已重新提交：%(n)s") if resubmitted else _("新的科协组建申请：%(n)s")) % {"n": req.proposed_name}
    notify(_parent_staff(req.parent), title=title,
           body=_("%(e)s申请在%(p)s下组建%(k)s，请审批。") % {
               "e": req.enterprise_name, "p": req.parent.name, "k": req.get_kind_display()},
           url=request_url(req), key=f"orgs-founding-new-{req.pk}-{req.submitted_at:%Y%m%d%H%M%S}")


def _notify_result(req: FormationRequest) -> None:
    if req.status == FormationStatus.APPROVED:
        title = _("科协组建申请已批准：%(n)s") % {"n": req.proposed_name}
        body = _("%(n)s已建立，您已成为它的管理员，可以维护组织信息和科技工作者名单。") % {"n": req.proposed_name}
    elif req.status == FormationStatus.RETURNED:
        title = _("科协组建申请被退回修改：%(n)s") % {"n": req.proposed_name}
        body = _("退回理由：%(r)s。请修改后重新提交。") % {"r": req.reason}
    else:
        title = _("科协组建申请不予批准：%(n)s") % {"n": req.proposed_name}
        body = _("理由：%(r)s") % {"r": req.reason}
    notify([req.applicant], title=title, body=body, url=request_url(req),
           key=f"orgs-founding-result-{req.pk}-{req.status}-{timezone.now():%Y%m%d%H%M%S%f}")


# ---- the applicant ----------------------------------------------------------------------------------------
@transaction.atomic
def submit(user: Any, data: FormationInput, attachment: UploadedFile | None = None) -> FormationRequest:
    """组建申请: a signed-in individual asks the parent association; refused when it duplicates another."""
    if not getattr(user, "pk", None):
        raise PermissionDenied(_("请先登录。"))
    values = _clean(data, None)
    parent = Organisation.objects.select_for_update().get(pk=values["parent"].pk)  # one submission per parent at a time
    values.update(parent=parent, org_path=parent.path)
    problems = duplicates(parent, values["uscc"], values["proposed_name"])
    if problems:
        raise ValidationError(problems)
    enterprise = _enterprise(values["uscc"])
    try:
        with transaction.atomic():
            req = FormationRequest.objects.create(applicant=user, enterprise=enterprise,
                                                  submitted_at=timezone.now(), **values)
    except IntegrityError:  # a request for the same code landed under another parent meanwhile
        raise ValidationError(_("统一社会信用代码 %(c)s 已有待办理的组建申请，不能重复申请。") % {
            "c": values["uscc"]}) from None
    _store_attachment(req, attachment)
    req.save(update_fields=["attachment", "attachment_name"])
    REVIEW.record(user, req, "submitted", FormationAction.SUBMITTED, after=REVIEW.snapshot(req))
    _notify_arrival(req)
    return req


def _enterprise(uscc: str) -> Any:
    """The enterprise registered on the platform (数字科创) with that credit code, if any."""
    from kexie.innovation.models import Enterprise

    return Enterprise.objects.filter(uscc=uscc, deleted_at__isnull=True).first()


OWN_ONLY = gettext_lazy("只有申请人本人可以修改或撤回组建申请。")


@transaction.atomic
def resubmit(user: Any, req: FormationRequest, data: FormationInput,
             attachment: UploadedFile | None = None) -> FormationRequest:
    """A returned request, edited (the parent may change) and submitted again."""
    current: FormationRequest = REVIEW.own(user, req, is_applicant, OWN_ONLY)
    FLOW.check(current, "resubmit")
    values = _clean(data, current)
    parent = Organisation.objects.select_for_update().get(pk=values["parent"].pk)
    values.update(parent=parent, org_path=parent.path)
    problems = duplicates(parent, values["uscc"], values["proposed_name"], exclude=current.pk)
    if problems:
        raise ValidationError(problems)
    before = REVIEW.snapshot(current)
    for key, value in values.items():
        setattr(current, key, value)
    current.enterprise = _enterprise(values["uscc"])
    _store_attachment(current, attachment)
    FLOW.apply(current, "resubmit")
    current.submitted_at, current.reason = timezone.now(), ""
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError:
        raise ValidationError(_("统一社会信用代码 %(c)s 已有待办理的组建申请，不能重复申请。") % {
            "c": values["uscc"]}) from None
    REVIEW.record(user, current, "resubmitted", FormationAction.RESUBMITTED, before=before,
                  after=REVIEW.snapshot(current))
    _notify_arrival(current, resubmitted=True)
    return current


@transaction.atomic
def withdraw(user: Any, req: FormationRequest) -> FormationRequest:
    withdrawn: FormationRequest = REVIEW.withdraw(user, req, is_applicant, OWN_ONLY)
    return withdrawn


# ---- the parent's staff -----------------------------------------------------------------------------------
def _code_for(kind: str, uscc: str) -> str:
    base = ("EK" if kind == FormationKind.ENTERPRISE else "PK") + uscc
    code, n = base, 1
    while Organisation.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def approve(actor: Any, req: FormationRequest) -> Organisation:
    """批准组建: the organisation under the parent (its level and region, status 正常, founded on the meeting
    date), the applicant its administrator; refused if it would now duplicate an organisation."""
    current, before = REVIEW.decide(actor, req, "approve")
    parent = Organisation.objects.select_for_update().select_related("kind").get(pk=current.parent_id)
    if parent.deleted_at or parent.status != OrgStatus.ACTIVE:
        raise ValidationError(_("上级组织“%(p)s”已删除或不在正常状态，不能在其下组建。") % {"p": parent.name})
    problems = existing(parent, current.uscc, current.proposed_name)
    if problems:
        raise ValidationError(problems)
    kind = OrgKind.objects.get(code=current.kind)
    org = create_organisation(actor, parent, {
        "name": current.proposed_name, "code": _code_for(current.kind, current.uscc), "kind": kind,
        "level": parent.level, "region": parent.region, "uscc": current.uscc, "status": OrgStatus.ACTIVE,
        "founded_on": current.meeting_on, "contact_name": current.secretary_name,
        "note": _("网上组建（申请 %(n)s，%(e)s，科技工作者 %(s)s 人）") % {
            "n": current.pk, "e": current.enterprise_name, "s": current.scientists},
    })
    grant_role(SYSTEM, current.applicant, org, APPLICANT_ROLE)  # the approver need not manage accounts
    REVIEW.finish_approval(actor, current, before, "organisation", org, org.name,
                           summary={"组织": org.name, "组织编码": org.code, "申请人角色": APPLICANT_ROLE})
    _notify_result(current)
    return org


return_ = REVIEW.refusal("return", lambda req, _returned: _notify_result(req))  # 退回修改 (reason shown)
reject = REVIEW.refusal("reject", lambda req, _returned: _notify_result(req))  # 不予批准 with a reason
