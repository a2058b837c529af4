"""点厨 (SPEC §3.5): an enterprise names an expert, the host association's staff broker the introduction, the expert
accepts or declines, and only then do both sides see each other's contact details; the enterprise closes the
service with its outcome and a rating, which writes a ``ServiceRecord``.

Flow: 待引荐 (requested) → 已联系专家 (brokered) → 专家同意 (accepted) → 服务完成 (done); or 专家婉拒 (declined);
or 已取消 (cancelled, by staff or the enterprise, before the expert has answered).

Who may act:

- request, complete: a user of the (verified) enterprise;
- broker, cancel: staff with change scope on the enterprise's host association (``Introduction.org_path``);
  the enterprise may also cancel its own request;
- accept / decline: the expert's own user (``Person.user``).

Contacts are decrypted only by ``reveal_contacts()``, which refuses before acceptance and writes a ``PiiAccess`` row
for every field shown, like ``people.services.reveal``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.accounts.services import users_at
from kexie.core.audit import log_action
from kexie.core.models import PiiAccess
from kexie.core.scope import user_can
from kexie.core.services import is_system
from kexie.innovation import limits
from kexie.innovation.models import (
    Enterprise,
    Introduction,
    IntroStatus,
    MatchFeedback,
    Need,
    NeedKind,
    ServiceRecord,
    ServiceSource,
    VerifyStatus,
)
from kexie.innovation.needs.enterprises import enterprise_of
from kexie.notices.services import notify
from kexie.people.models import Person

FLOW = Introduction.WORKFLOW
OPEN = (IntroStatus.REQUESTED, IntroStatus.BROKERED, IntroStatus.ACCEPTED)
CONTACTS_SHOWN = (IntroStatus.ACCEPTED, IntroStatus.DONE)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _url(intro: Introduction) -> str:
    return reverse("innovation:intro", args=[intro.pk])


# ---- who is who ---------------------------------------------------------------------------------------
def is_enterprise_side(user: Any, intro: Introduction) -> bool:
    return bool(getattr(user, "pk", None)) and intro.enterprise.users.filter(pk=user.pk).exists()


def is_expert_side(user: Any, intro: Introduction) -> bool:
    return bool(getattr(user, "pk", None)) and intro.expert.user_id == user.pk


def is_broker(user: Any, intro: Introduction) -> bool:
    return bool(user_can(user, "innovation.change", intro.org_path))


def visible(user: Any) -> QuerySet[Introduction]:
    """Introductions a user may open: staff in scope (host association or the expert's organisation), the
    enterprise's users, and the expert once staff have contacted them."""
    if not getattr(user, "pk", None):
        return Introduction.objects.none()
    return Introduction.objects.filter(
        Q(pk__in=Introduction.objects.for_user(user).values("pk")) | Q(enterprise__users=user)
        | (Q(expert__user=user) & Q(brokered_at__isnull=False))).distinct()


def eligible_expert(person: Person, need: Need | None = None) -> bool:
    """An expert may be named when they agreed to a public profile, or when matching put them on the need's list
    and it was marked useful (``MatchFeedback``)."""
    if person.deleted_at is not None:
        return False
    if person.public_profile:
        return True
    return need is not None and MatchFeedback.objects.filter(need=need, person=person, useful=True).exists()


# ---- the flow ----------------------------------------------------------------------------------------
def _lock(intro: Introduction) -> Introduction:
    fresh: Introduction = (Introduction.objects.select_for_update(of=("self",))
                           .select_related("enterprise", "expert", "need").get(pk=intro.pk))
    return fresh


def _staff(intro: Introduction) -> list[Any]:
    return [u for us in users_at([intro.enterprise.host_id], "innovation.change").values() for u in us]


@transaction.atomic
def request(actor: Any, *, expert: Person, message: str, need: Need | None = None) -> Introduction:
    """An enterprise user asks to be introduced to ``expert`` (optionally about one of its needs)."""
    own = enterprise_of(actor)
    if own is None:
        raise PermissionDenied(_("企业尚未通过核验，暂不能申请专家引荐。"))
    ent: Enterprise = Enterprise.objects.select_for_update().get(pk=own.pk)  # serialises duplicate requests
    if ent.status != VerifyStatus.VERIFIED:
        raise PermissionDenied(_("企业尚未通过核验，暂不能申请专家引荐。"))
    message = (message or "").strip()
    errors: list[str] = []
    if not message:
        errors.append(_("请填写需求说明。"))
    elif len(message) > limits.REASON:
        errors.append(_("需求说明不能超过 2000 字。"))
    if need is not None and (need.enterprise_id != ent.pk or need.deleted_at is not None):
        errors.append(_("所选技术需求不属于本企业。"))
    if errors:
        raise ValidationError(errors)
    expert = Person.objects.filter(pk=expert.pk).first() or expert
    if not eligible_expert(expert, need):
        raise ValidationError(_("该专家未同意公开专家信息，不能申请引荐。"))
    if Introduction.objects.filter(enterprise=ent, expert=expert, status__in=OPEN).exists():
        raise ValidationError(_("已向该专家提出引荐申请，请等待办理结果。"))
    intro = Introduction.objects.create(enterprise=ent, need=need, expert=expert, message=message,
                                        requested_by=_user(actor), org_path=ent.org_path,
                                        expert_path=expert.org_path)
    log_action(actor, "innovation.introduction.requested", intro, scope_path=intro.org_path,
               extra={"expert": expert.pk, "need": need.pk if need else None})
    notify(_staff(intro), title=_("新的专家引荐申请：%(e)s → %(p)s") % {"e": ent.name, "p": expert.name},
           url=_url(intro), key=f"innovation-intro-{intro.pk}")
    return intro


@transaction.atomic
def broker(actor: Any, intro: Introduction, note: str) -> Introduction:
    """Staff have contacted the expert: the expert is told and may now answer."""
    intro = _lock(intro)
    if not is_system(actor) and not is_broker(actor, intro):
        raise PermissionDenied(_("您无权办理这条引荐。"))
    FLOW.check(intro, "broker")
    note = limits.bounded(note, limits.REASON, _("引荐说明"))
    if not note:
        raise ValidationError(_("请填写引荐说明。"))
    FLOW.apply(intro, "broker")
    intro.staff_note = note
    intro.brokered_by, intro.brokered_at = _user(actor), timezone.now()
    intro.save()
    log_action(actor, "innovation.introduction.brokered", intro, scope_path=intro.org_path,
               extra={"note": intro.staff_note})
    if intro.expert.user is not None:
        notify([intro.expert.user], title=_("企业希望与您对接：%(e)s") % {"e": intro.enterprise.name},
               body=intro.staff_note, url=_url(intro), key=f"innovation-intro-brokered-{intro.pk}")
    notify(list(intro.enterprise.users.all()), title=_("已为您联系专家%(p)s") % {"p": intro.expert.name},
           url=_url(intro), key=f"innovation-intro-brokered-ent-{intro.pk}")
    return intro


@transaction.atomic
def cancel(actor: Any, intro: Introduction, reason: str) -> Introduction:
    """Staff (or the enterprise) withdraw a request before the expert has answered."""
    intro = _lock(intro)
    if not is_system(actor) and not (is_broker(actor, intro) or is_enterprise_side(actor, intro)):
        raise PermissionDenied(_("您无权办理这条引荐。"))
    FLOW.check(intro, "cancel")
    reason = limits.bounded(reason, limits.REASON, _("取消理由"))
    if not reason:
        raise ValidationError(_("取消须说明理由。"))
    before, _new = FLOW.apply(intro, "cancel")
    intro.decline_reason = reason
    intro.save()
    log_action(actor, "innovation.introduction.cancelled", intro, scope_path=intro.org_path,
               extra={"from": before, "reason": intro.decline_reason})
    recipients = list(intro.enterprise.users.all())
    if before == IntroStatus.BROKERED and intro.expert.user is not None:
        recipients.append(intro.expert.user)
    notify(recipients, title=_("专家引荐已取消：%(p)s") % {"p": intro.expert.name}, body=intro.decline_reason,
           url=_url(intro), key=f"innovation-intro-cancelled-{intro.pk}")
    return intro


@transaction.atomic
def answer(actor: Any, intro: Introduction, *, accept: bool, reason: str = "") -> Introduction:
    """The expert accepts (contacts become visible to both sides) or declines with a reason."""
    intro = _lock(intro)
    if not is_expert_side(actor, intro):
        raise PermissionDenied(_("只有被引荐的专家本人可以答复。"))
    if intro.status == IntroStatus.REQUESTED:  # not yet brokered: a clearer word than the table's refusal
        raise ValidationError(_("工作人员联系您之后方可答复。"))
    FLOW.check(intro, "accept" if accept else "decline")
    reason = "" if accept else limits.bounded(reason, limits.REASON, _("婉拒理由"))
    if not accept and not reason:
        raise ValidationError(_("婉拒须说明理由。"))
    FLOW.apply(intro, "accept" if accept else "decline")
    intro.decline_reason = reason
    intro.answered_at = timezone.now()
    intro.save()
    log_action(actor, "innovation.introduction.answered", intro, scope_path=intro.org_path,
               extra={"accept": accept, "reason": intro.decline_reason})
    title = (_("专家%(p)s同意对接，可查看联系方式") if accept else _("专家%(p)s婉拒了对接")) % {"p": intro.expert.name}
    recipients = list(intro.enterprise.users.all()) + ([intro.brokered_by] if intro.brokered_by else [])
    notify(recipients, title=title, body=intro.decline_reason, url=_url(intro),
           key=f"innovation-intro-answer-{intro.pk}")
    return intro


@transaction.atomic
def complete(actor: Any, intro: Introduction, *, outcome: str, rating: int, kind: str = "") -> Introduction:
    """The enterprise marks the service done with its outcome and a rating (1–5): a service record is written for
    the expert (kind: the need's, else the one given, else 决策咨询)."""
    intro = _lock(intro)
    if not is_enterprise_side(actor, intro):
        raise PermissionDenied(_("只有申请企业可以确认服务完成。"))
    FLOW.check(intro, "complete")
    outcome = (outcome or "").strip()
    errors: list[str] = []
    if not outcome:
        errors.append(_("请填写服务成效。"))
    elif len(outcome) > limits.OUTCOME:
        errors.append(limits.too_long(_("服务成效"), limits.OUTCOME))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors.append(_("评价应为 1 到 5 星。"))
    if kind and kind not in NeedKind.values:
        errors.append(_("服务类型无效。"))
    if errors:
        raise ValidationError(errors)
    FLOW.apply(intro, "complete")
    intro.outcome, intro.rating = outcome, rating
    intro.save()
    need = intro.need
    ServiceRecord.objects.create(
        society=None, expert=intro.expert, enterprise=intro.enterprise, enterprise_name=intro.enterprise.name,
        need=need, dispatch=None, kind=need.kind if need is not None else (kind or NeedKind.CONSULTING),
        source=ServiceSource.INTRODUCTION, served_on=timezone.localdate(), outcome=intro.outcome, rating=rating,
        org_path=intro.org_path, need_path=need.org_path if need is not None else "")
    log_action(actor, "innovation.introduction.completed", intro, scope_path=intro.org_path,
               extra={"rating": rating})
    recipients = ([intro.expert.user] if intro.expert.user else []) + ([intro.brokered_by] if intro.brokered_by
                                                                      else [])
    notify(recipients, title=_("企业已确认服务完成：%(e)s") % {"e": intro.enterprise.name}, body=intro.outcome,
           url=_url(intro), key=f"innovation-intro-done-{intro.pk}")
    return intro


# ---- contacts ----------------------------------------------------------------------------------------
def _log(actor: Any, obj: Any, field: str, path: str, ip: str | None) -> None:
    PiiAccess.objects.create(user=actor, content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk,
                             field=field, ip=ip, scope_path=path)


def reveal_contacts(actor: Any, intro: Introduction, ip: str | None = None) -> dict[str, str]:
    """The other side's contact details, decrypted, for a party to an accepted introduction; every field shown is
    logged as a ``PiiAccess`` row. The enterprise sees the expert's phone and e-mail; the expert sees the
    enterprise's contact person and phone. Anyone else, or before acceptance: refused."""
    if intro.status not in CONTACTS_SHOWN:
        raise PermissionDenied(_("专家同意对接后方可查看联系方式。"))
    if is_enterprise_side(actor, intro):
        expert = intro.expert
        out = {"name": expert.name, "phone": expert.phone or "", "email": expert.email or ""}
        for field in ("phone", "email"):
            if out[field]:
                _log(actor, expert, field, expert.org_path, ip)
        return out
    if is_expert_side(actor, intro):
        ent = intro.enterprise
        out = {"name": ent.contact_name, "phone": ent.contact_phone or "", "email": ""}
        if out["phone"]:
            _log(actor, ent, "contact_phone", ent.org_path, ip)
        return out
    raise PermissionDenied(_("只有企业和专家本人可以查看对方的联系方式。"))
