"""The people import (科技工作者, SPEC §2.4): its columns, and matching and writing people — by ID blind index,
else phone blind index + name among people with no ID on record — set-based (``COPY`` / ``UPDATE … FROM``).
``PersonWriter`` also serves the memberships import, which registers the people it does not find.
Declared by the people module (``kexie/people/apps.py``); the shared pipeline is ``kexie.imports.apply``."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.core.bulk import SqlValue, copy_rows, reserve_ids
from kexie.core.crypto import blind_index, encrypt
from kexie.core.validators import id_birth_date, id_gender
from kexie.imports.apply import (
    Importer,
    ModelRows,
    _date_value,
    _json_value,
    _masked,
    _verbose,
    col_in,
    fetch_rows,
    jsonable,
    search_text,
    update_rows,
)
from kexie.imports.models import Kind, Mode
from kexie.imports.spec import DATE_HELP, EDUCATION, GENDERS, ORG_REF_HELP, TITLE_LEVELS, Column, Spec
from kexie.imports.validate import Context, OrgRef, RowParser
from kexie.orgs.models import Organisation
from kexie.people.models import Person, PersonDiscipline

ID_NUMBER, NAME_AND_PHONE = gettext_lazy("身份证号"), gettext_lazy("姓名和手机号")

PERSON_ID = Column(
    "id_number", "身份证号", "id_number",
    variants=("身份证号码", "证件号码", "身份证", "证件号", "公民身份号码", "公民身份证号", "身份证件号码"),
    help=gettext_lazy("18位居民身份证号码，校验位按 GB 11643 核对；请把该列设为文本格式，以免 Excel 改成科学计数法。"),
    example="110101199003074514",
)
PERSON_PHONE = Column(
    "phone", "手机号", "phone", variants=("手机", "手机号码", "移动电话", "联系电话", "电话", "联系方式"),
    help=gettext_lazy("11位手机号或“区号-号码”座机；没有身份证号时，按“姓名+手机号”识别已有人员。"), example="13800138000",
)
PERSON_NAME = Column("name", "姓名", "name", required=True, variants=("名字", "人员姓名", "会员姓名"), max_length=40,
                     help=gettext_lazy("必填，不超过40字。"), example="张伟")

PEOPLE = Spec(
    Kind.PEOPLE, "科技工作者",
    (
        PERSON_NAME,
        Column("gender", "性别", "choice", choices=GENDERS, help=gettext_lazy("男或女；有身份证号时须与号码一致，可留空。"),
               example="男"),
        Column("birth_date", "出生日期", "past_date", variants=("出生年月日", "生日", "出生日"),
               help=gettext_lazy("有身份证号时须与号码一致，可留空。") + " " + DATE_HELP, example="1990-03-07"),
        Column("ethnicity", "民族", max_length=20, example="汉族"),
        PERSON_ID,
        PERSON_PHONE,
        Column("email", "电子邮箱", "email", variants=("邮箱", "email", "e-mail", "电子邮件"), max_length=254,
               example="zhangwei@example.cn"),
        Column("org", "所属组织", "org_change", variants=("所属组织编码", "所属单位", "组织", "组织编码"),
               help=ORG_REF_HELP, example=""),
        Column("employer_name", "工作单位", variants=("单位", "工作单位名称", "单位名称", "任职单位"), max_length=120,
               example="某某大学计算机学院"),
        Column("position", "职务", max_length=60, example="副院长"),
        Column("title", "职称", variants=("专业技术职称", "技术职称"), max_length=40, example="教授"),
        Column("title_level", "职称级别", "choice", choices=TITLE_LEVELS, variants=("职称等级",),
               help=gettext_lazy("正高级、副高级、中级、初级或无。"), example="正高级"),
        Column("education", "学历", "choice", choices=EDUCATION, variants=("最高学历",),
               help=gettext_lazy("博士研究生、硕士研究生、大学本科、大学专科或其他。"), example="博士研究生"),
        Column("disciplines", "学科", "disciplines", variants=("学科代码", "学科分类", "所属学科"),
               help=gettext_lazy("GB/T 13745 学科代码或名称，多个用顿号分隔，第一个为主学科。"), example="520"),
        Column("expertise", "专业特长", "keywords", variants=("专长", "研究方向", "专业方向"),
               help=gettext_lazy("关键词，用顿号、逗号或分号分隔，最多30个，每个不超过30字。"), example="机器学习、医学影像"),
        Column("bio", "个人简介", variants=("简介", "简历"), max_length=5000, example=""),
    ),
    notes=(
        gettext_lazy("以身份证号识别已有人员；没有身份证号时，以“姓名+手机号”识别。"),
        gettext_lazy("“更新已有记录”用文件中非空的单元格覆盖平台中的值；“仅补充空白字段”只填写平台中为空的字段；空白单元格不会清除已有数据。"),
    ),
)


def person_identity(ctx: Context, parser: RowParser, row: int, values: dict[str, Any]) -> bool:
    """Cross-field rules for a person: birth date and gender agree with the ID number (and are
    taken from it when empty). Adds the blind indexes. False after logging an error."""
    ok = True
    idn = values.get("id_number")
    if idn:
        birth = id_birth_date(idn)
        if "birth_date" in values and values["birth_date"] != birth:
            ctx.error(row, parser.header("birth_date"), _("出生日期与身份证号码中的出生日期不一致。"))
            ok = False
        if "gender" in values and values["gender"] != id_gender(idn):
            ctx.error(row, parser.header("gender"), _("性别与身份证号码不一致。"))
            ok = False
        values.setdefault("birth_date", birth)
        values.setdefault("gender", id_gender(idn))
        values["id_hash"] = blind_index(idn)
    if values.get("phone"):
        values["phone_hash"] = blind_index(values["phone"])
    return ok


PERSON_COLUMNS = ("name", "gender", "birth_date", "ethnicity", "id_number", "id_hash", "phone", "phone_hash",
                  "email", "org_id", "org_path", "employer_name", "position", "title", "title_level",
                  "education", "expertise", "bio", "search_text")
SEARCH_INPUTS = {"name", "title", "employer_name", "position", "expertise"}
# File key -> (column it sets, column whose emptiness decides "fill only empty fields").
PERSON_FIELDS = {
    "name": "name", "gender": "gender", "birth_date": "birth_date", "ethnicity": "ethnicity", "email": "email",
    "employer_name": "employer_name", "position": "position", "title": "title", "title_level": "title_level",
    "education": "education", "expertise": "expertise", "bio": "bio",
}


def fetch_people(where: str, params: Sequence[SqlValue]) -> list[dict[str, Any]]:
    cols = ("id", *PERSON_COLUMNS)
    out = []
    for r in fetch_rows("people_person", cols, f"deleted_at IS NULL AND {where}", params):
        d = dict(zip(cols, r, strict=True))
        d["birth_date"] = _date_value(d["birth_date"])
        d["expertise"] = _json_value(d["expertise"])
        out.append(d)
    return out


class PersonWriter:
    """Creates and updates people for the people and membership imports alike."""

    def __init__(self, importer: Importer, remember: bool = False):
        self.imp = importer
        self.model_rows = ModelRows(Person, importer.now)
        self.template = [self.model_rows.defaults[c] for c in self.model_rows.columns]
        self.at = {c: i for i, c in enumerate(self.model_rows.columns)}
        self.org_delta: dict[int, int] = defaultdict(int)
        self.matched: dict[int, int] = {}
        # People created by this import, for later rows naming them again (memberships in several
        # societies); a threaded writer's rows are not visible to the matching queries.
        self.remember = remember
        self.created_by_id: dict[str, int] = {}
        self.created_by_phone: dict[tuple[str, str], int] = {}

    def new_row(self, pk: int, v: dict[str, Any], org: OrgRef) -> tuple[Any, ...]:
        """The person's row in column order (defaults for the columns an import does not set)."""
        get = v.get
        expertise = get("expertise") or []
        title, employer, position = get("title", ""), get("employer_name", ""), get("position", "")
        idn, phone = get("id_number"), get("phone")
        row = self.template.copy()
        for col, value in (
            ("id", pk), ("name", v["name"]), ("gender", get("gender", "")), ("birth_date", get("birth_date")),
            ("ethnicity", get("ethnicity", "")), ("id_number", encrypt(idn) if idn else ""),
            ("id_hash", get("id_hash", "")), ("phone", encrypt(phone) if phone else ""),
            ("phone_hash", get("phone_hash", "")), ("email", get("email", "")), ("org_id", org.id),
            ("org_path", org.path), ("employer_name", employer), ("position", position), ("title", title),
            ("title_level", get("title_level", "")), ("education", get("education", "")),
            ("expertise", json.dumps(expertise, ensure_ascii=False)), ("bio", get("bio", "")),
            ("search_text", search_text(v["name"], expertise, title, employer, position)),
        ):
            row[self.at[col]] = value
        return tuple(row)

    def match(self, rows: list[tuple[int, dict[str, Any]]]) -> dict[int, dict[str, Any]]:
        """Existing live people by row number: ID blind index first, else phone blind index + name
        among people who have no ID number on record."""
        found: dict[int, dict[str, Any]] = {}
        hashes = [v["id_hash"] for _, v in rows if v.get("id_hash")]
        phones = sorted({v["phone_hash"] for _, v in rows if v.get("phone_hash")})
        # One round trip; "id_hash <> ''" lets the planner use the partial unique index on live IDs.
        parts, params = [], []
        if hashes:
            sql, p = col_in("id_hash", hashes)
            parts.append(f"(id_hash <> '' AND {sql})")
            params += p
        if phones:
            sql, p = col_in("phone_hash", phones)
            parts.append(f"(id_hash = '' AND {sql})")
            params += p
        by_id: dict[str, dict[str, Any]] = {}
        by_phone: dict[tuple[str, str], dict[str, Any]] = {}
        if parts:
            for match in fetch_people("(" + " OR ".join(parts) + ")", params):
                if match["id_hash"]:
                    by_id[match["id_hash"]] = match
                else:
                    by_phone.setdefault((match["phone_hash"], match["name"]), match)
        for row, v in rows:
            hit = by_id.get(v.get("id_hash", "\0"))
            if hit is None and self.remember:
                pk = self._created(v)
                hit = {"id": pk, "_new": True} if pk is not None else None
            if hit is None and v.get("phone_hash"):
                hit = by_phone.get((v["phone_hash"], v["name"]))
            if hit is not None:
                found[row] = hit
        return found

    def _created(self, v: dict[str, Any]) -> int | None:
        if v.get("id_hash"):
            return self.created_by_id.get(v["id_hash"])
        return self.created_by_phone.get((v.get("phone_hash", ""), v["name"]))

    def changeable(self, ids: Iterable[int]) -> set[int]:
        """The matched people this import may update: in the ``imports.change`` and the ``people.change`` scope
        (one query)."""
        ids = list(set(ids))
        if not ids:
            return set()
        user = self.imp.ctx.user
        qs = Person.objects.for_user(user, "imports.change").for_user(user, "people.change").filter(pk__in=ids)
        return set(qs.values_list("pk", flat=True))

    def claim(self, row: int, person_id: int, column: str) -> bool:
        """The same existing person must not be matched by two rows of one file."""
        first = self.matched.get(person_id)
        if first is not None and first != row:
            self.imp.ctx.error(row, column, _("与第 %(n)s 行匹配到平台中的同一人员，请合并这两行。") % {"n": first})
            return False
        self.matched[person_id] = row
        return True

    def create(self, rows: list[tuple[int, dict[str, Any], OrgRef]]) -> list[int]:
        ids = reserve_ids("people_person", len(rows)) if self.imp.writing else list(range(len(rows)))
        if not self.imp.writing:
            return ids
        w = self.imp.w
        new = [self.new_row(pk, v, org) for pk, (_, v, org) in zip(ids, rows, strict=True)]
        w.submit(copy_rows, "people_person", self.model_rows.columns, new)
        pds = [(pk, d, i == 0) for pk, (_, v, _org) in zip(ids, rows, strict=True)
               for i, d in enumerate(v.get("disciplines") or ())]
        if pds:
            w.submit(copy_rows, "people_persondiscipline", ("person_id", "discipline_id", "is_primary"), pds)
        if self.remember:
            for pk, (_, v, _org) in zip(ids, rows, strict=True):
                if v.get("id_hash"):
                    self.created_by_id[v["id_hash"]] = pk
                elif v.get("phone_hash"):
                    self.created_by_phone[(v["phone_hash"], v["name"])] = pk
        for _row, _v, org in rows:
            self.org_delta[org.id] += 1
        self.imp.created("people_person", ids)
        return ids

    def plan_update(self, existing: dict[str, Any], v: dict[str, Any], mode: str,
                    disciplines: dict[int, list[int]]) -> tuple[dict[str, Any], list[int] | None]:
        """The columns that change (new values) and the new discipline list (None: unchanged)."""
        fill = mode == Mode.FILL
        new: dict[str, Any] = {}
        for key, col in PERSON_FIELDS.items():
            if key not in v:
                continue
            old = existing[col]
            if fill and old not in ("", None, []):
                continue
            if old != v[key]:
                new[col] = v[key]
        if v.get("id_hash") and v["id_hash"] != existing["id_hash"] and not (fill and existing["id_hash"]):
            new["id_number"], new["id_hash"] = encrypt(v["id_number"]), v["id_hash"]
        if v.get("phone_hash") and v["phone_hash"] != existing["phone_hash"] and not (fill and existing["phone_hash"]):
            new["phone"], new["phone_hash"] = encrypt(v["phone"]), v["phone_hash"]
        org = v.get("org")
        if org is not None and not fill and org.id != existing["org_id"]:
            new["org_id"], new["org_path"] = org.id, org.path
        if SEARCH_INPUTS & new.keys():
            merged = {**existing, **new}
            text = search_text(merged["name"], merged["expertise"], merged["title"], merged["employer_name"],
                               merged["position"])
            if text != existing["search_text"]:
                new["search_text"] = text
        new_disc = None
        if v.get("disciplines"):
            old_disc = disciplines.get(existing["id"], [])
            if old_disc != v["disciplines"] and not (fill and old_disc):
                new_disc = v["disciplines"]
        return new, new_disc

    def update(self, planned: list[tuple[int, dict[str, Any], dict[str, Any], list[int] | None]],
               disciplines: dict[int, list[int]]) -> None:
        """``planned``: (row, existing, changed columns, new disciplines)."""
        if not self.imp.writing or not planned:
            return
        rows = []
        for row, existing, new, new_disc in planned:
            merged = {**existing, **new}
            rows.append((existing["id"], *(json.dumps(merged[c], ensure_ascii=False) if c == "expertise" else merged[c]
                                           for c in PERSON_COLUMNS), self.model_rows.now_db))
            before = {c: jsonable(existing[c]) for c in new}
            after = {c: jsonable(new[c]) for c in new if c not in ("id_number", "phone")}
            if new_disc is not None:
                before["_disciplines"] = disciplines.get(existing["id"], [])
                after["_disciplines"] = new_disc
            self.imp.record_change("people_person", existing["id"], row, before, after)
            if "org_id" in new:
                self.org_delta[existing["org_id"]] -= 1
                self.org_delta[new["org_id"]] += 1
            shown = [c for c in new if c not in ("id_hash", "phone_hash", "search_text", "org_path")]
            self.imp.audit(Person, existing["id"], merged["name"], merged["org_path"],
                           {_verbose(Person, c): _masked(c, existing[c]) for c in shown},
                           {_verbose(Person, c): _masked(c, new[c]) for c in shown})
        self.imp.w.submit(update_rows, "people_person", (*PERSON_COLUMNS, "updated_at"), rows)
        changed_disc = [(existing["id"], nd) for _, existing, _, nd in planned if nd is not None]
        if changed_disc:
            self.imp.w.submit(replace_disciplines, changed_disc)

    def finish(self) -> None:
        if self.imp.writing:
            self.imp.w.submit(adjust_counts, {k: v for k, v in self.org_delta.items() if v})
        self.org_delta.clear()


def replace_disciplines(changed: list[tuple[int, list[int]]]) -> None:
    PersonDiscipline.objects.filter(person_id__in=[pk for pk, _ in changed]).delete()
    copy_rows("people_persondiscipline", ("person_id", "discipline_id", "is_primary"),
                [(pk, d, i == 0) for pk, nd in changed for i, d in enumerate(nd)])


def adjust_counts(deltas: dict[int, int]) -> None:
    for org_id, delta in deltas.items():
        Organisation.objects.filter(pk=org_id).update(people_count=models.F("people_count") + delta)


def existing_disciplines(person_ids: Iterable[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    ids = list(person_ids)
    if ids:
        for pid, did, _primary in (PersonDiscipline.objects.filter(person_id__in=ids)
                                   .order_by("person_id", "-is_primary", "id")
                                   .values_list("person_id", "discipline_id", "is_primary")):
            out[pid].append(did)
    return out


class PeopleImporter(Importer):
    kind = Kind.PEOPLE
    table = "people_person"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = PersonWriter(self)

    def check(self, row: int, v: dict[str, Any]) -> bool:
        ok = person_identity(self.ctx, self.parser, row, v)
        if v.get("id_hash"):
            return not self.duplicate(row, "i" + v["id_hash"], self.parser.header("id_number"), ID_NUMBER) and ok
        if v.get("phone_hash"):
            return not self.duplicate(row, "p" + v["phone_hash"] + v["name"], self.parser.header("phone"),
                                      NAME_AND_PHONE) and ok
        return ok

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        ctx, mode = self.ctx, self.ctx.mode
        found = self.people.match(rows)
        id_col = self.parser.header("id_number") if "id_number" in self.parser.header_of else self.parser.header("name")
        creates: list[tuple[int, dict[str, Any], OrgRef]] = []
        to_update: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        for row, v in rows:
            existing = found.get(row)
            if existing is None:
                creates.append((row, v, v.get("org") or self.target_ref()))
                continue
            if not self.people.claim(row, existing["id"], id_col):
                continue
            if mode == Mode.SKIP:
                self.counts["skipped"] += 1
                self.sample("skipped", row, v["name"])
            else:
                to_update.append((row, existing, v))
        disciplines = existing_disciplines(e["id"] for _, e, v in to_update if v.get("disciplines"))
        planned = []
        for row, existing, v in to_update:
            new, new_disc = self.people.plan_update(existing, v, mode, disciplines)
            if not new and new_disc is None:
                self.counts["unchanged"] += 1
                self.sample("skipped", row, v["name"])
            else:
                planned.append((row, existing, new, new_disc))
        allowed = self.people.changeable(e["id"] for _, e, _, _ in planned)
        ok = []
        for item in planned:
            row, existing, new, _disc = item
            if existing["id"] not in allowed:
                ctx.error(row, id_col, _("该人员已登记在您管理范围以外的组织中，不能更新；可选择“跳过已有记录”。"))
                continue
            ok.append(item)
            self.counts["updated"] += 1
            self.sample("updated", row, existing["name"], [_verbose(Person, c) for c in new
                                                           if c not in ("id_hash", "phone_hash", "search_text",
                                                                        "org_path")])
        self.people.update(ok, disciplines)
        self.people.create(creates)
        self.counts["created"] += len(creates)
        for row, v, _org in creates:
            self.sample("created", row, v["name"])

    def finish(self) -> None:
        super().finish()
        self.people.finish()
