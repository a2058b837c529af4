"""Writes to people: normalise and validate identifiers, encrypt, index for search, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.audit import log_action, snapshot
from kexie.core.crypto import blind_index
from kexie.core.models import PiiAccess
from kexie.core.scope import user_can
from kexie.core.search import index_text
from kexie.core.services import require
from kexie.core.validators import id_birth_date, id_gender, normalize_id_number, normalize_phone
from kexie.orgs import counts
from kexie.people.models import Discipline, Person, PersonDiscipline

PII_FIELDS = ("id_number", "phone")


def person_search_text(person: Person) -> str:
    return index_text(
        names=[person.name], whole=[*person.expertise, person.title],
        segmented=[person.employer_name, person.position],
    )


def check_birth_date(value: dt.date) -> None:
    """A birth date is a real one: not later than today, not before 1900 (forms, services, imports agree)."""
    if value > timezone.localdate():
        raise ValidationError(_("出生日期不能晚于今天。"), code="future")
    if value.year < 1900:
        raise ValidationError(_("出生日期不能早于 1900 年。"), code="too_early")


def _prepare(person: Person) -> None:
    """Derived columns: hashes of identifiers, the scope path, the search tokens."""
    errors: dict[str, list[str]] = {}
    if isinstance(person.birth_date, dt.date):
        try:
            check_birth_date(person.birth_date)
        except ValidationError as exc:
            errors["birth_date"] = exc.messages
    person.id_number = normalize_id_number(person.id_number)
    person.phone = normalize_phone(person.phone)
    if person.id_number:
        birth = id_birth_date(person.id_number)
        if person.birth_date and birth and person.birth_date != birth:
            errors.setdefault("birth_date", []).append(_("出生日期与身份证号码中的出生日期不一致。"))
        if person.gender and person.gender != id_gender(person.id_number):
            errors.setdefault("gender", []).append(_("性别与身份证号码不一致。"))
        person.birth_date = person.birth_date or birth
        person.gender = person.gender or id_gender(person.id_number)
    if errors:
        raise ValidationError(errors)
    person.id_hash = blind_index(person.id_number) if person.id_number else ""
    person.phone_hash = blind_index(person.phone) if person.phone else ""
    person.org_path = person.org.path
    person.search_text = person_search_text(person)
    if person.id_hash and Person.objects.filter(id_hash=person.id_hash, deleted_at__isnull=True).exclude(
        pk=person.pk
    ).exists():
        raise ValidationError({"id_number": [_("该身份证号码已登记在平台中，请勿重复录入。")]})


def require_owner(actor: Any, person: Person) -> None:
    """Changing a person's profile or own organisation needs change scope over the person's *current* own
    organisation; reaching the person through a membership is not enough (a society changes only its
    membership record)."""
    if not user_can(actor, "people.change", person.org_path):
        raise PermissionDenied(_("该人员的所属组织不在您的管辖范围内，不能修改其个人信息；"
                                 "学会只能修改本会的会员记录。"))


def _lock(person: Person) -> Person:
    current: Person = Person.objects.select_for_update().get(pk=person.pk)
    return current


def _set_disciplines(person: Person, disciplines: list[Discipline] | None) -> None:
    if disciplines is None:
        return
    PersonDiscipline.objects.filter(person=person).delete()
    PersonDiscipline.objects.bulk_create(
        [PersonDiscipline(person=person, discipline=d, is_primary=(i == 0)) for i, d in enumerate(disciplines)]
    )


@transaction.atomic
def create_person(actor: Any, data: dict[str, Any], disciplines: list[Discipline] | None = None) -> Person:
    person = Person(**data)
    require(actor, "people.change", person.org.path)
    _prepare(person)
    person.full_clean(exclude=["org_path", "search_text", "id_hash", "phone_hash"])
    person.save()
    counts.adjust(person.org_id, +1)
    _set_disciplines(person, disciplines)
    log_action(actor, "people.person.created", person, scope_path=person.org_path,
               after=snapshot(person, Person.AUDIT_FIELDS))
    return person


@transaction.atomic
def update_person(actor: Any, person: Person, data: dict[str, Any],
                  disciplines: list[Discipline] | None = None) -> Person:
    current = _lock(person)
    require_owner(actor, current)
    old_org = current.org_id
    before = snapshot(current, Person.AUDIT_FIELDS)
    for key, value in data.items():
        setattr(current, key, value)
    if "org" in data:
        require(actor, "people.change", current.org.path)
    _prepare(current)
    current.full_clean(exclude=["org_path", "search_text", "id_hash", "phone_hash"])
    current.save()
    if current.org_id != old_org and not current.deleted_at:
        counts.adjust(old_org, -1)
        counts.adjust(current.org_id, +1)
    _set_disciplines(current, disciplines)
    after = snapshot(current, Person.AUDIT_FIELDS)
    if before != after:
        log_action(actor, "people.person.changed", current, scope_path=current.org_path, before=before, after=after)
    return current


@transaction.atomic
def delete_person(actor: Any, person: Person) -> Person:
    current = _lock(person)
    require(actor, "people.change", current.org_path)
    if current.deleted_at:
        return current
    current.deleted_at = timezone.now()
    current.save(update_fields=["deleted_at"])
    counts.adjust(current.org_id, -1)
    log_action(actor, "people.person.deleted", current, scope_path=current.org_path)
    return current


@transaction.atomic
def restore_person(actor: Any, person: Person) -> Person:
    current = _lock(person)
    require(actor, "people.change", current.org_path)
    if current.merged_into_id:
        raise ValidationError(_("该人员已合并至另一条记录，请在“合并记录”中撤销合并，而不是恢复。"))
    if current.id_hash and Person.objects.filter(id_hash=current.id_hash, deleted_at__isnull=True).exists():
        raise ValidationError(_("已有相同身份证号码的人员在册，不能恢复。"))
    if not current.deleted_at:
        return current
    current.deleted_at = None
    current.save(update_fields=["deleted_at"])
    counts.adjust(current.org_id, +1)
    log_action(actor, "people.person.restored", current, scope_path=current.org_path)
    return current


def reveal(actor: Any, person: Person, field: str, ip: str | None = None) -> str:
    """The full value of an encrypted field, for a user allowed to see it; every view is logged."""
    if field not in PII_FIELDS:
        raise ValidationError(_("不支持查看该字段。"))
    own = person.user_id is not None and person.user_id == getattr(actor, "pk", None)
    if not own and not Person.objects.for_user(actor, "people.pii").filter(pk=person.pk).exists():
        raise PermissionDenied(_("您的角色无权查看完整个人信息。"))
    PiiAccess.objects.create(
        user=actor, content_type=ContentType.objects.get_for_model(Person), object_id=person.pk,
        field=field, ip=ip, scope_path=person.org_path,
    )
    value: str = getattr(person, field)
    return value


def log_full_views(actor: Any, people: list[Person], fields: tuple[str, ...] = PII_FIELDS,
                   ip: str | None = None) -> int:
    """One ``PiiAccess`` row per person and field shown in full (exports, one's own data export); only
    fields that hold a value are logged. Returns the number of rows written."""
    ct = ContentType.objects.get_for_model(Person)
    rows = [PiiAccess(user=actor, content_type=ct, object_id=p.pk, field=f, ip=ip, scope_path=p.org_path)
            for p in people for f in fields if getattr(p, f)]
    PiiAccess.objects.bulk_create(rows, batch_size=2000)
    return len(rows)

