"""The people export (科技工作者): masked ID and phone numbers for every role; ``pii=full`` writes full values
for the people in the user's 查看完整个人信息 scope, each written value logged (decision 0015).

Built for a million rows (decision 0033): one ``values_list`` query through a server-side cursor (no model
instances, no query per row), choice labels from dicts, the ciphertexts read raw and opened in one tight loop
(a mask needs the first characters of the value, so every value is decrypted once; nothing else is)."""

from __future__ import annotations

import binascii
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import ExpressionWrapper, F
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kexie.core import crypto
from kexie.core.scope import path_in_scope, scope_paths
from kexie.exports.kinds import Part, descending_parts, filtered, first, part_filter, partitioned
from kexie.people import services
from kexie.people.filters import PersonFilter
from kexie.people.models import Education, Gender, Person, TitleLevel

CHUNK = 5000


def headers() -> list[str]:
    return [_("姓名"), _("性别"), _("出生日期"), _("身份证号"), _("手机号"), _("所属组织"), _("工作单位"), _("职务"),
            _("职称"), _("职称级别"), _("学历"), _("专业特长"), _("电子邮箱")]


def can_export_full(user: Any) -> bool:
    return scope_paths(user, "people.pii") != []


def opener() -> Any:
    """``open(token) -> str``: ``crypto.decrypt`` with the current key's path inlined (the common case), the
    general one (old keys, the first format) for the rest; '' stays ''."""
    key = crypto.key_ring().current
    prefix, body, aad, seal_open, a2b = key.prefix, len(key.prefix), key.aad, key.aes.decrypt, binascii.a2b_base64
    slow = crypto.decrypt

    def open_(token: str) -> str:
        if not token:
            return ""
        if token.startswith(prefix):
            raw = a2b(token[body:])
            return seal_open(raw[:12], raw[12:], aad).decode()  # type: ignore[no-any-return]
        return slow(token)

    return open_


def _queryset(user: Any, params: Mapping[str, Any]) -> tuple[Any, bool]:
    full = first(params, "pii") == "full"
    if full and not can_export_full(user):
        raise PermissionDenied(_("您的角色无权导出完整个人信息。"))
    qs = Person.objects.for_user(user, "people.export").alive().order_by("-id")
    return filtered(PersonFilter, params, qs, user), full


@partitioned
def rows(user: Any, params: Mapping[str, Any], *, ip: str | None = None,
         part: Part | None = None) -> tuple[list[str], int, Iterator[list[Any]]]:
    """The export's rows, newest first. ``part`` (``(after, upto)``: ``after < pk <= upto``, either end open)
    gives one slice of them for a worker of a parallel job (decision 0033); its total is not counted."""
    qs, full = _queryset(user, params)
    if part is not None:
        return headers(), -1, _rows(part_filter(qs, part), user, full, ip)
    return headers(), qs.count(), _rows(qs, user, full, ip)


def split(user: Any, params: Mapping[str, Any], total: int, parts: int) -> list[Part]:
    """``parts`` slices of about ``total / parts`` rows each, in the export's order (newest first)."""
    qs, _full = _queryset(user, params)
    return descending_parts(qs, total, parts)


def _rows(qs: Any, user: Any, full: bool, ip: str | None) -> Iterator[list[Any]]:
    pii_paths = scope_paths(user, "people.pii") if full else []
    raw: models.TextField[str, str] = models.TextField()
    values = qs.values_list(
        "pk", "org_path", "name", "gender", "birth_date", ExpressionWrapper(F("id_number"), output_field=raw),
        ExpressionWrapper(F("phone"), output_field=raw), "org__name", "employer_name", "position", "title",
        "title_level", "education", "expertise", "email")
    genders: dict[str, str] = {k: str(v) for k, v in Gender.choices}
    levels: dict[str, str] = {k: str(v) for k, v in TitleLevel.choices}
    educations: dict[str, str] = {k: str(v) for k, v in Education.choices}
    sep = pgettext("list separator", "、")
    open_ = opener()
    mask_id, mask_phone = crypto.mask_id_number, crypto.mask_phone
    shown: list[Person] = []
    for (pk, path, name, gender, born, id_token, phone_token, org, employer, position, title, level, education,
         expertise, email) in values.iterator(chunk_size=CHUNK):
        id_number, phone = open_(id_token), open_(phone_token)
        if full and path_in_scope(path, pii_paths):
            shown.append(Person(pk=pk, org_path=path, id_number=id_number, phone=phone))
            if len(shown) >= CHUNK:
                services.log_full_views(user, shown, ip=ip)
                shown = []
        else:
            id_number, phone = mask_id(id_number), mask_phone(phone)
        yield [name, genders.get(gender, gender), born, id_number, phone, org, employer, position, title,
               levels.get(level, level), educations.get(education, education),
               sep.join(expertise) if expertise else "", email]
    if shown:
        services.log_full_views(user, shown, ip=ip)
