"""Writes of the person's own pages (我的, decision 0029).

- ``update_own_profile``: the fields a person may change themselves (e-mail, position, title, education,
  disciplines, expertise, bio, honours), applied at once and audited; only the person's own record.
- ``request_change``: verified fields (name, gender, birth date, organisation, employer, phone) become a
  ``ProfileChange`` for the organisation holding the record.
- ``approve_change`` / ``reject_change``: staff with ``people.change`` over the person's *current* organisation;
  approving applies the change through ``people.services.update_person`` (its own checks and audit row).
- ``withdraw_change``: the person, while the request waits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.services import require
from kexie.core.text import join_list
from kexie.home.models import ChangeStatus, ProfileChange
from kexie.innovation.limits import SHORT_REASON, too_long
from kexie.notices.services import notify
from kexie.orgs.models import Organisation
from kexie.people.models import Discipline, Person, PersonDiscipline
from kexie.people.services import person_search_text, update_person
from kexie.signup.recipients import deciders

# What a person changes without anyone's approval.
OWN_FIELDS = ("email", "position", "title", "title_level", "education", "expertise", "bio", "honours")
DATE_FIELDS = ("birth_date",)
ORG_FIELDS = ("org",)


def own_person(user: Any) -> Person | None:
    """The registry record linked to the account, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    person: Person | None = Person.objects.filter(user=user, deleted_at__isnull=True).select_related("org").first()
    return person


def _lock_own(actor: Any, person: Person) -> Person:
    current: Person = Person.objects.select_for_update().get(pk=person.pk)
    if current.user_id is None or current.user_id != getattr(actor, "pk", None) or current.deleted_at:
        raise PermissionDenied(_("只能修改本人的资料。"))
    return current


def _discipline_codes(person: Person) -> list[str]:
    return list(person.disciplines.order_by("-persondiscipline__is_primary", "code").values_list("code", flat=True))


@transaction.atomic
def update_own_profile(actor: Any, person: Person, data: dict[str, Any],
                       disciplines: list[Discipline] | None = None) -> Person:
    """Apply the self-service fields of ``data`` to the actor's own record, audited (``home.profile.changed``)."""
    current = _lock_own(actor, person)
    unknown = set(data) - set(OWN_FIELDS)
    if unknown:
        raise ValidationError(_("这些资料需要所属组织审核，不能直接修改：%(fields)s") % {"fields": join_list(sorted(unknown))})
    before = snapshot(current, OWN_FIELDS)
    before_codes = _discipline_codes(current)
    for key, value in data.items():
        setattr(current, key, value)
    current.full_clean(exclude=["org_path", "search_text", "id_hash", "phone_hash", "id_number", "phone"])
    current.search_text = person_search_text(current)
    current.save(update_fields=[*data, "search_text", "updated_at"])
    codes = before_codes
    if disciplines is not None:
        PersonDiscipline.objects.filter(person=current).delete()
        PersonDiscipline.objects.bulk_create([PersonDiscipline(person=current, discipline=d, is_primary=(i == 0))
                                              for i, d in enumerate(disciplines)])
        codes = [d.code for d in disciplines]
    after = snapshot(current, OWN_FIELDS)
    if before != after or codes != before_codes:
        log_action(actor, "home.profile.changed", current, scope_path=current.org_path,
                   before={**before, "学科": before_codes}, after={**after, "学科": codes})
    return current


def _plain(name: str, value: Any) -> Any:
    """A verified field's value as JSON (``changes`` / ``before``)."""
    if value is None:
        return None
    if name in ORG_FIELDS:
        return {"id": value.pk, "name": value.name}
    if name in DATE_FIELDS:
        return value.isoformat()
    return value


@transaction.atomic
def request_change(actor: Any, person: Person, data: dict[str, Any], note: str = "") -> ProfileChange:
    """Ask the organisation holding the record to change verified fields. ``data`` holds only the fields that
    change (name, gender, birth_date, org, employer_name, phone); one pending request per person at a time."""
    current = _lock_own(actor, person)
    if not data:
        raise ValidationError(_("没有需要审核的修改：请至少修改一项与原资料不同的内容。"))
    if ProfileChange.objects.filter(person=current, status=ChangeStatus.PENDING).exists():
        raise ValidationError(_("您已有一项待审核的资料变更申请，请等待审核结果或先撤回该申请。"))
    birth = data.get("birth_date")
    if isinstance(birth, dt.date) and birth > timezone.localdate():
        raise ValidationError({"birth_date": [_("出生日期不能晚于今天。")]})
    note = note or ""
    if len(note) > SHORT_REASON:
        raise ValidationError({"note": [too_long(_("说明"), SHORT_REASON)]})
    phone = str(data.pop("phone", "") or "")
    change = ProfileChange(
        person=current, requested_by=actor if getattr(actor, "pk", None) else None, note=note,
        changes={k: _plain(k, v) for k, v in data.items()},
        before={k: _plain(k, getattr(current, k)) for k in data} | ({"phone_masked": current.phone_masked}
                                                                    if phone else {}),
        phone=phone,
    )
    change.save()
    log_action(actor, "home.change.requested", change, scope_path=current.org_path,
               after={"fields": change.field_labels()})
    _tell_deciders(change, current)
    return change


def _tell_deciders(change: ProfileChange, person: Person) -> int:
    """The staff who decide (``people.change`` over the person's organisation, nearest level) hear of it at once;
    the notice names the fields, never their new values."""
    fields = join_list(change.field_labels())
    return notify(deciders(person.org_path, ("people.change",)),
                  title=_("新的资料变更申请：%(name)s（%(fields)s）") % {"name": person.name, "fields": fields},
                  body=_("%(org)s的%(name)s申请修改%(fields)s，请核对后通过或驳回。") % {
                      "org": person.org.name, "name": person.name, "fields": fields},
                  url=reverse("profile-change", args=[change.pk]), key=f"home.change-arrived.{change.pk}")


def _lock_change(change: ProfileChange) -> ProfileChange:
    current: ProfileChange = ProfileChange.objects.select_for_update().select_related("person", "person__org").get(
        pk=change.pk)
    return current


def _service_data(change: ProfileChange) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in change.changes.items():
        if key in ORG_FIELDS:
            org = Organisation.objects.filter(pk=(value or {}).get("id"), deleted_at__isnull=True).first()
            if org is None:
                raise ValidationError(_("申请的所属组织已不存在，请驳回并请申请人重新提交。"))
            data[key] = org
        elif key in DATE_FIELDS:
            data[key] = dt.date.fromisoformat(value) if value else None
        else:
            data[key] = value
    if change.phone:
        data["phone"] = change.phone
    return data


def _tell(change: ProfileChange, title: str, body: str, verb: str) -> None:
    user = change.person.user
    if user is not None:
        notify([user], title=title, body=body, url=reverse("me"), key=f"home.change.{verb}:{change.pk}")


@transaction.atomic
def approve_change(actor: Any, change: ProfileChange) -> ProfileChange:
    """Apply the requested values through ``people.services.update_person`` (which checks ``people.change`` over
    the person's current organisation, and over the new one when the organisation changes)."""
    current = _lock_change(change)
    require(actor, "people.change", current.person.org_path)
    ProfileChange.WORKFLOW.apply(current, "approve")
    update_person(actor, current.person, _service_data(current))
    current.decided_at = timezone.now()
    current.decided_by = actor if getattr(actor, "pk", None) else None
    current.save(update_fields=["status", "decided_at", "decided_by"])
    fields = join_list(current.field_labels())
    log_action(actor, "home.change.approved", current, scope_path=current.person.org_path,
               after={"fields": current.field_labels()})
    _tell(current, _("资料变更已通过：%(fields)s") % {"fields": fields},
          _("您申请修改的%(fields)s已审核通过并生效。") % {"fields": fields}, "approved")
    return current


@transaction.atomic
def reject_change(actor: Any, change: ProfileChange, reason: str) -> ProfileChange:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("驳回时请填写理由。")]})
    if len(reason) > SHORT_REASON:
        raise ValidationError({"reason": [too_long(_("驳回理由"), SHORT_REASON)]})
    current = _lock_change(change)
    require(actor, "people.change", current.person.org_path)
    ProfileChange.WORKFLOW.apply(current, "reject")
    current.reason = reason
    current.decided_at = timezone.now()
    current.decided_by = actor if getattr(actor, "pk", None) else None
    current.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    fields = join_list(current.field_labels())
    log_action(actor, "home.change.rejected", current, scope_path=current.person.org_path,
               after={"fields": current.field_labels(), "reason": current.reason})
    _tell(current, _("资料变更被驳回：%(fields)s") % {"fields": fields},
          _("驳回理由：%(reason)s") % {"reason": current.reason}, "rejected")
    return current


@transaction.atomic
def withdraw_change(actor: Any, change: ProfileChange) -> ProfileChange:
    current = _lock_change(change)
    if current.person.user_id is None or current.person.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只能撤回本人的申请。"))
    ProfileChange.WORKFLOW.apply(current, "withdraw")
    current.decided_at = timezone.now()
    current.save(update_fields=["status", "decided_at"])
    log_action(actor, "home.change.withdrawn", current, scope_path=current.person.org_path)
    return current
