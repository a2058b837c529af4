"""Matching and writing, a chunk of validated rows at a time, set-based.

For each chunk: one query finds the existing records the rows match (people by ID blind index,
else by phone blind index + name; organisations by code; memberships by person and society), the
mode decides create / update / leave alone, and — unless this is a dry run or an error has been
seen — new rows go in through ``COPY`` (PostgreSQL) or ``executemany`` (SQLite) with primary keys
reserved up front, and changed rows through one ``UPDATE … FROM`` a temporary table (PostgreSQL)
or ``executemany`` (SQLite). Never one ORM save per row.

A rollback needs, per batch, the created primary keys (kept as ranges) and for every updated row
its raw column values before and after (``ImportChange``). Ciphertexts are stored as they are.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.core.bulk import SqlValue, copy_rows, reserve_ids
from kexie.core.crypto import decrypt, encrypt, mask_id_number, mask_phone
from kexie.core.models import AuditEntry
from kexie.core.scope import path_in_scope
from kexie.core.search import index_text
from kexie.imports.models import ImportBatch, ImportChange, Kind, Mode
from kexie.imports.pipeline import InlineWriter, Writer
from kexie.imports.validate import CellError, Context, OrgRef, RowParser, person_identity
from kexie.members.models import EventKind, GroupMembership, Membership, MembershipEvent, Status
from kexie.members.status import status_for
from kexie.orgs.models import Organisation
from kexie.people.models import Person, PersonDiscipline

CHUNK = 2000
SAMPLE = 20
ID_NUMBER, NAME_AND_PHONE = gettext_lazy("身份证号"), gettext_lazy("姓名和手机号")


# -- database helpers --------------------------------------------------------------------------------


def update_rows(table: str, columns: Sequence[str], rows: list[Sequence[SqlValue]]) -> None:
    """``rows`` are ``(id, *values)`` in ``columns`` order."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        cols = ", ".join(columns)
        with connection.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS imp_{table} AS SELECT id, {cols} FROM {table} WITH NO DATA")
            cur.execute(f"TRUNCATE imp_{table}")
            with cur.cursor.copy(f"COPY imp_{table} (id, {cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            sets = ", ".join(f"{c} = t.{c}" for c in columns)
            cur.execute(f"UPDATE {table} AS p SET {sets} FROM imp_{table} AS t WHERE p.id = t.id")
            cur.execute(f"DROP TABLE imp_{table}")
        return
    sets = ", ".join(f"{c} = %s" for c in columns)
    with connection.cursor() as cur:
        cur.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", [(*r[1:], r[0]) for r in rows])


def fetch_rows(table: str, columns: Sequence[str], where: str, params: Sequence[SqlValue]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", list(params))
        rows: list[tuple[Any, ...]] = cur.fetchall()
        return rows


def col_in(column: str, values: Sequence[SqlValue]) -> tuple[str, list[SqlValue]]:
    """``column IN (…)`` as SQL and parameters: one array parameter on PostgreSQL (one plan, short
    text), a list of placeholders on SQLite."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN (" + ", ".join(["%s"] * len(values)) + ")", list(values)


def add_range(ranges: list[list[int]], ids: Sequence[int]) -> None:
    """Append ids to a list of [first, last] ranges, merging consecutive ids."""
    for i in ids:
        if ranges and ranges[-1][1] + 1 == i:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])


class ModelRows:
    """Tuples in a model's column order with defaults filled, for ``copy_rows``."""

    def __init__(self, model: type[models.Model], now: dt.datetime):
        self.model = model
        self.table = model._meta.db_table
        fields = model._meta.concrete_fields
        self.columns = [f.column for f in fields]
        self.json_columns = {f.column for f in fields if isinstance(f, models.JSONField)}
        defaults: dict[str, Any] = {}
        for f in fields:
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                value = f.get_db_prep_value(now, connection)
            elif f.has_default() or not f.null:
                value = f.get_default()
            else:
                value = None
            if f.column in self.json_columns and value is not None:
                value = json.dumps(value, ensure_ascii=False)
            defaults[f.column] = value
        self.defaults = defaults
        self.now_db = Person._meta.get_field("updated_at").get_db_prep_value(now, connection)

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        d = self.defaults
        return tuple(values[c] if c in values else d[c] for c in self.columns)


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


# -- search tokens, as people.services.person_search_text builds them -----------------------------------


def search_text(name: str, expertise: Sequence[str], title: str, employer: str, position: str) -> str:
    """``people.services.person_search_text`` for a row that is not a model instance yet."""
    return index_text(whole=[name, *expertise, title], segmented=[employer, position])


# -- the importers -------------------------------------------------------------------------------------


class Importer:
    """One per import run: ``parse`` each row, ``flush`` every chunk, ``finish`` at the end."""

    kind: str
    table: str

    def __init__(self, ctx: Context, parser: RowParser, batch: ImportBatch | None, *, dry_run: bool,
                 writer: Writer | None = None) -> None:
        self.w: Writer = writer or InlineWriter()
        self.ctx = ctx
        self.parser = parser
        self.batch = batch
        self.dry_run = dry_run
        self.now = timezone.now()
        self.counts = {"created": 0, "updated": 0, "skipped": 0, "unchanged": 0}
        self.samples: dict[str, list[dict[str, Any]]] = {"created": [], "updated": [], "skipped": []}
        self.created_ids: dict[str, list[list[int]]] = {}
        self.changes: list[ImportChange] = []
        self.audits: list[AuditEntry] = []
        self.seen: dict[Any, int] = {}
        self.pending: list[tuple[int, dict[str, Any]]] = []

    @property
    def writing(self) -> bool:
        return not self.dry_run and not self.ctx.failed

    def add(self, row: int, cells: list[str]) -> None:
        values = self.parser.parse(row, cells)
        if values is not None and self.check(row, values):
            self.pending.append((row, values))
        if len(self.pending) >= CHUNK:
            self.flush()

    def check(self, row: int, values: dict[str, Any]) -> bool:
        return True

    def duplicate(self, row: int, key: Any, column: str, what: str | Promise) -> bool:
        first = self.seen.get(key)
        if first is not None:
            self.ctx.error(row, column, _("与第 %(n)s 行的%(what)s重复。") % {"n": first, "what": what})
            return True
        self.seen[key] = row
        return False

    def flush(self) -> None:
        rows, self.pending = self.pending, []
        if rows:
            self.apply(rows)
        if self.writing:
            self._flush_side_rows()

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        self.flush()

    def sample(self, action: str, row: int, label: str, fields: Iterable[str] = ()) -> None:
        bucket = self.samples.get(action)
        if bucket is not None and len(bucket) < SAMPLE:
            bucket.append({"row": row, "label": label, "fields": list(fields)})

    def created(self, table: str, ids: Sequence[int]) -> None:
        add_range(self.created_ids.setdefault(table, []), ids)

    def record_change(self, table: str, pk: int, row: int, before: dict[str, Any], after: dict[str, Any]) -> None:
        if self.batch is not None and self.batch.pk:
            self.changes.append(ImportChange(batch_id=self.batch.pk, table=table, object_id=pk, row=row,
                                             before=before, after=after))

    def audit(self, model: type[models.Model], pk: int, label: str, path: str, before: dict[str, Any],
              after: dict[str, Any]) -> None:
        actor = self.ctx.user if getattr(self.ctx.user, "pk", None) else None
        self.audits.append(AuditEntry(
            action=f"{model._meta.app_label}.{model._meta.model_name}.imported", actor=actor,
            content_type=ContentType.objects.get_for_model(model), object_id=pk, object_repr=label[:200],
            scope_path=path, created_at=self.now,
            data={"before": before, "after": after, "batch": self.batch.pk if self.batch is not None else None},
        ))

    def _flush_side_rows(self) -> None:
        if self.changes:
            self.w.submit(ImportChange.objects.bulk_create, self.changes, 2000)
            self.changes = []
        if self.audits:
            self.w.submit(AuditEntry.objects.bulk_create, self.audits, 2000)
            self.audits = []

    def target_ref(self) -> OrgRef:
        t = self.ctx.target
        return OrgRef(t.pk, t.code, t.name, t.path, t.depth, t.kind.category)

    def target_society(self) -> OrgRef | None:
        ref = self.target_ref()
        return ref if ref.category == "society" else None


def _verbose(model: type[models.Model], column: str) -> str:
    for f in model._meta.concrete_fields:
        if f.column == column:
            return str(f.verbose_name)
    return column


def _masked(column: str, raw: Any) -> Any:
    if column in ("id_number", "phone"):
        if not raw:
            return ""
        plain = decrypt(raw) if isinstance(raw, str) and raw.startswith(("v1:", "v2:")) else raw
        return mask_id_number(plain) if column == "id_number" else mask_phone(plain)
    return jsonable(raw)


# -- people ----------------------------------------------------------------------------------------------

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


def _date_value(v: Any) -> Any:
    if isinstance(v, str) and v:
        return dt.date.fromisoformat(v[:10])
    return v


def _json_value(v: Any) -> Any:
    if isinstance(v, str):
        return json.loads(v) if v else []
    return v if v is not None else []


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
        ids = list(set(ids))
        if not ids:
            return set()
        return set(Person.objects.for_user(self.imp.ctx.user, "imports.change").filter(pk__in=ids).values_list("pk", flat=True))

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


# -- organisations -------------------------------------------------------------------------------------

ORG_COLUMNS = ("name", "short_name", "kind_id", "level", "region_id", "uscc", "status", "founded_on", "supervisor",
               "contact_name", "contact_phone", "email", "address", "website", "note")
ORG_FIELDS = {"name": "name", "short_name": "short_name", "kind": "kind_id", "level": "level",
              "region": "region_id", "uscc": "uscc", "status": "status", "founded_on": "founded_on",
              "supervisor": "supervisor", "contact_name": "contact_name", "contact_phone": "contact_phone",
              "email": "email", "address": "address", "website": "website", "note": "note"}


class OrgsImporter(Importer):
    kind = Kind.ORGS
    table = "orgs_organisation"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.model_rows = ModelRows(Organisation, self.now)
        self.next_step: dict[str, int] = {}
        self.new_children: dict[str, int] = defaultdict(int)

    def check(self, row: int, v: dict[str, Any]) -> bool:
        ok = not self.duplicate(row, ("code", v["code"].upper()), self.parser.header("code"), _("组织编码"))
        if v.get("uscc") and self.duplicate(row, ("uscc", v["uscc"]), self.parser.header("uscc"), _("统一社会信用代码")):
            ok = False
        if "kind" in v:
            v["kind"], v["_category"] = v["kind"]
        return ok

    def _step_after(self, parent_path: str, depth: int) -> int:
        if parent_path not in self.next_step:
            last = (Organisation.objects.filter(path__startswith=parent_path, depth=depth + 1)
                    .order_by("-path").values_list("path", flat=True).first())
            self.next_step[parent_path] = Organisation._str2int(last[-Organisation.steplen:]) if last else 0
        self.next_step[parent_path] += 1
        return self.next_step[parent_path]

    def _parent(self, row: int, v: dict[str, Any]) -> OrgRef | None:
        """Resolved here, in file order, so that a parent created a few rows earlier is found."""
        text = v.get("parent")
        if not text:
            t = self.ctx.target
            return OrgRef(t.pk, t.code, t.name, t.path, t.depth, t.kind.category)
        try:
            return self.ctx.org(text, "change")
        except CellError as exc:
            self.ctx.error(row, self.parser.header("parent"), str(exc))
            return None

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        ctx, mode = self.ctx, self.ctx.mode
        sql, params = col_in("code", [v["code"] for _, v in rows])
        cols = ("id", "code", "path", "depth", "deleted_at", *ORG_COLUMNS)
        existing = {r[1].upper(): dict(zip(cols, r, strict=True))
                    for r in fetch_rows("orgs_organisation", cols, sql, params)}
        usccs = [v["uscc"] for _, v in rows if v.get("uscc")]
        taken_uscc: dict[str, str] = {}
        if usccs:
            sql, params = col_in("uscc", usccs)
            taken_uscc = dict(fetch_rows("orgs_organisation", ("uscc", "code"), sql, params))
        code_col = self.parser.header("code")
        creates, updates = [], []
        for row, v in rows:
            e = existing.get(v["code"].upper())
            other = taken_uscc.get(v.get("uscc", ""))
            if other is not None and other.upper() != v["code"].upper():
                ctx.error(row, self.parser.header("uscc"), _("统一社会信用代码已被组织“%(c)s”使用。") % {"c": other})
                continue
            parent = self._parent(row, v)
            if parent is None:
                continue
            if e is None:
                step = self._step_after(parent.path, parent.depth)
                path = Organisation._get_path(parent.path + "0" * Organisation.steplen, parent.depth + 1, step)
                creates.append((row, v, parent, path))
                ctx.add_org(OrgRef(0, v["code"], v["name"], path, parent.depth + 1, v.get("_category", "")),
                            v.get("short_name", ""))
                continue
            if e["deleted_at"] is not None:
                ctx.error(row, code_col, _("组织编码“%(c)s”属于已删除的组织，请先在平台中恢复该组织。") % {"c": v["code"]})
                continue
            if not path_in_scope(e["path"], ctx.change_paths):
                ctx.error(row, code_col, _("组织编码“%(c)s”已被您管理范围以外的组织使用。") % {"c": v["code"]})
                continue
            if not e["path"].startswith(ctx.target.path):
                ctx.error(row, code_col, _("组织“%(c)s”不在本次导入的目标组织“%(t)s”之下。")
                          % {"c": v["code"], "t": ctx.target.name})
                continue
            if v.get("parent") and parent.path != e["path"][:-Organisation.steplen]:
                ctx.error(row, self.parser.header("parent"), _("导入不能改变已有组织的上级组织，请使用组织迁移功能。"))
                continue
            if mode == Mode.SKIP:
                self.counts["skipped"] += 1
                self.sample("skipped", row, v["name"])
                continue
            new = {}
            for key, col in ORG_FIELDS.items():
                if key not in v:
                    continue
                old = _date_value(e[col]) if col == "founded_on" else e[col]
                if mode == Mode.FILL and old not in ("", None):
                    continue
                if old != v[key]:
                    new[col] = v[key]
            if not new:
                self.counts["unchanged"] += 1
                self.sample("skipped", row, v["name"])
                continue
            updates.append((row, e, new))
        self._write(creates, updates)

    def _write(self, creates: list[tuple[int, dict[str, Any], OrgRef, str]],
               updates: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> None:
        self.counts["created"] += len(creates)
        self.counts["updated"] += len(updates)
        for row, v, _p, _path in creates:
            self.sample("created", row, v["name"])
        for row, e, new in updates:
            self.sample("updated", row, e["name"], [_verbose(Organisation, c) for c in new])
        if not self.writing:
            return
        ids = reserve_ids("orgs_organisation", len(creates))
        rows = []
        for pk, (_row, v, parent, path) in zip(ids, creates, strict=True):
            values = {"id": pk, "path": path, "depth": parent.depth + 1, "numchild": 0, "code": v["code"],
                      **{col: v[key] for key, col in ORG_FIELDS.items() if key in v}}
            rows.append(self.model_rows.row(values))
            self.new_children[parent.path] += 1
            self.ctx.add_org(OrgRef(pk, v["code"], v["name"], path, parent.depth + 1, v.get("_category", "")),
                             v.get("short_name", ""))
        self.w.submit(copy_rows, "orgs_organisation", self.model_rows.columns, rows)
        self.created("orgs_organisation", ids)
        if updates:
            upd = []
            for row, e, new in updates:
                merged = {**e, **new}
                upd.append((e["id"], *(merged[c] for c in ORG_COLUMNS), self.model_rows.now_db))
                self.record_change("orgs_organisation", e["id"], row, {c: jsonable(e[c]) for c in new},
                                   {c: jsonable(new[c]) for c in new})
                self.audit(Organisation, e["id"], merged["name"], e["path"],
                           {_verbose(Organisation, c): jsonable(e[c]) for c in new},
                           {_verbose(Organisation, c): jsonable(new[c]) for c in new})
            self.w.submit(update_rows, "orgs_organisation", (*ORG_COLUMNS, "updated_at"), upd)

    def finish(self) -> None:
        super().finish()
        if self.writing:
            self.w.submit(add_children, dict(self.new_children))
        self.new_children.clear()


def add_children(counts: dict[str, int]) -> None:
    for path, n in counts.items():
        Organisation.objects.filter(path=path).update(numchild=models.F("numchild") + n)


# -- memberships -----------------------------------------------------------------------------------------

MEMBERSHIP_COLUMNS = ("category", "number", "status", "applied_on", "joined_on", "dues_paid_through", "note")


class MembershipsImporter(Importer):
    kind = Kind.MEMBERSHIPS
    table = "members_membership"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = PersonWriter(self, remember=True)
        self.model_rows = ModelRows(Membership, self.now)
        self.events = ModelRows(MembershipEvent, self.now)

    def society(self, v: dict[str, Any]) -> OrgRef | None:
        return v.get("society") or self.target_society()

    def check(self, row: int, v: dict[str, Any]) -> bool:
        if not person_identity(self.ctx, self.parser, row, v):
            return False
        soc = self.society(v)
        if soc is None:
            self.ctx.error(row, self.parser.header("society"),
                           _("请填写学会：本次导入的目标组织不是学会，每行须注明所属学会。"))
            return False
        v["society"] = soc
        person_key = v.get("id_hash") or ("np", v["name"], v.get("phone_hash", ""))
        if not v.get("id_hash") and not v.get("phone_hash"):
            self.ctx.error(row, self.parser.header("id_number"), _("请填写身份证号或手机号，以便识别人员。"))
            return False
        col = self.parser.header("id_number") if v.get("id_hash") else self.parser.header("phone")
        if self.duplicate(row, ("m", soc.id, person_key), col, _("人员（同一学会）")):
            return False
        if v.get("number") and self.duplicate(row, ("n", soc.id, v["number"]), self.parser.header("number"),
                                              _("会员号（同一学会）")):
            return False
        return True

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        ctx, mode = self.ctx, self.ctx.mode
        found = self.people.match(rows)
        # People first: the ones not on the platform are registered in the society (once, however
        # many societies the file lists them in).
        new_people: list[Any] = []
        first_row: dict[Any, int] = {}
        for row, v in rows:
            if row in found:
                continue
            key = v.get("id_hash") or (v.get("phone_hash"), v["name"])
            if key not in first_row:
                first_row[key] = len(new_people)
                new_people.append((row, v, v["society"]))
            v["_key"] = key
        person_ids = self.people.create(new_people)
        for row, v in rows:
            if row in found:
                v["_person"] = found[row]["id"]
            else:
                v["_person"] = person_ids[first_row[v["_key"]]] if self.writing else None
        # Existing live memberships of these people in these societies, and member numbers in use.
        pairs = [(v["_person"], v["society"].id) for _, v in rows if v["_person"] is not None]
        current: dict[tuple[int, int], dict[str, Any]] = {}
        cols = ("id", "person_id", "society_id", "org_path", *MEMBERSHIP_COLUMNS)
        if pairs:
            sql, params = col_in("person_id", sorted({p for p, _ in pairs}))
            for r in fetch_rows("members_membership", cols,
                                f"deleted_at IS NULL AND status NOT IN ('withdrawn', 'expelled', 'rejected') "
                                f"AND {sql}", params):
                d = dict(zip(cols, r, strict=True))
                for c in ("applied_on", "joined_on", "dues_paid_through"):
                    d[c] = _date_value(d[c])
                current[(d["person_id"], d["society_id"])] = d
        numbers = [v["number"] for _, v in rows if v.get("number")]
        taken: dict[tuple[int, str], int] = {}
        if numbers:
            sql, params = col_in("number", numbers)
            taken = {(s, n): p for s, n, p in fetch_rows("members_membership", ("society_id", "number", "person_id"),
                                                           sql, params)}
        creates, updates = [], []
        for row, v in rows:
            soc = v["society"]
            pid = v["_person"]
            holder = taken.get((soc.id, v.get("number", "")))
            if holder is not None and holder != pid:
                ctx.error(row, self.parser.header("number"), _("会员号“%(n)s”在该学会已被其他会员使用。")
                          % {"n": v["number"]})
                continue
            e = current.get((pid, soc.id)) if pid is not None else None
            if e is None:
                creates.append((row, v))
                continue
            if mode == Mode.SKIP:
                self.counts["skipped"] += 1
                self.sample("skipped", row, v["name"])
                continue
            new = {}
            for col in ("category", "number", "applied_on", "joined_on", "dues_paid_through", "note"):
                if col in v and not (mode == Mode.FILL and e[col] not in ("", None)) and e[col] != v[col]:
                    new[col] = v[col]
            merged = {**e, **new}
            status = status_for(joined_on=merged["joined_on"], dues_paid_through=merged["dues_paid_through"],
                                category=merged["category"], current=e["status"], today=ctx.today)
            if status != e["status"]:
                new["status"] = status
            if not new:
                self.counts["unchanged"] += 1
                self.sample("skipped", row, v["name"])
                continue
            updates.append((row, e, new, v["name"]))
        self._write(creates, updates)

    def _write(self, creates: list[tuple[int, dict[str, Any]]],
               updates: list[tuple[int, dict[str, Any], dict[str, Any], str]]) -> None:
        self.counts["created"] += len(creates)
        self.counts["updated"] += len(updates)
        for row, v in creates:
            self.sample("created", row, v["name"])
        for row, _e, new, name in updates:
            self.sample("updated", row, name, [_verbose(Membership, c) for c in new])
        if not self.writing:
            return
        today = self.ctx.today
        ids = reserve_ids("members_membership", len(creates))
        rows, events = [], []
        for pk, (_row, v) in zip(ids, creates, strict=True):
            category = v["category"]
            status = status_for(joined_on=v.get("joined_on"), dues_paid_through=v.get("dues_paid_through"),
                                category=category, current=Status.PENDING, today=today)
            rows.append(self.model_rows.row({
                "id": pk, "person_id": v["_person"], "society_id": v["society"].id, "org_path": v["society"].path,
                "category": category, "number": v.get("number", ""), "status": status,
                "applied_on": v.get("applied_on"), "joined_on": v.get("joined_on"),
                "dues_paid_through": v.get("dues_paid_through"), "note": v.get("note", ""),
            }))
            joined = v.get("joined_on")
            events.append(self.events.row({
                "membership_id": pk, "kind": EventKind.APPROVED if joined else EventKind.APPLIED,
                "category": category, "on": joined or v.get("applied_on") or today, "note": _("批量导入"),
                "actor_id": getattr(self.ctx.user, "pk", None),
            }))
        self.w.submit(copy_rows, "members_membership", self.model_rows.columns, rows)
        id_at = self.events.columns.index("id")
        self.w.submit(copy_rows, "members_membershipevent", [c for c in self.events.columns if c != "id"],
                      [r[:id_at] + r[id_at + 1:] for r in events])
        self.created("members_membership", ids)
        if updates:
            upd = []
            for row, e, new, name in updates:
                merged = {**e, **new}
                upd.append((e["id"], *(merged[c] for c in MEMBERSHIP_COLUMNS), self.model_rows.now_db))
                self.record_change("members_membership", e["id"], row, {c: jsonable(e[c]) for c in new},
                                   {c: jsonable(new[c]) for c in new})
                self.audit(Membership, e["id"], name, e["org_path"],
                           {_verbose(Membership, c): jsonable(e[c]) for c in new},
                           {_verbose(Membership, c): jsonable(new[c]) for c in new})
            self.w.submit(update_rows, "members_membership", (*MEMBERSHIP_COLUMNS, "updated_at"), upd)

    def finish(self) -> None:
        super().finish()
        self.people.finish()


GROUP_COLUMNS = ("number", "status", "joined_on", "dues_paid_through", "representative")


class GroupsImporter(Importer):
    kind = Kind.GROUPS
    table = "members_groupmembership"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.model_rows = ModelRows(GroupMembership, self.now)

    def check(self, row: int, v: dict[str, Any]) -> bool:
        soc = v.get("society") or self.target_society()
        if soc is None:
            self.ctx.error(row, self.parser.header("society"),
                           _("请填写学会：本次导入的目标组织不是学会，每行须注明所属学会。"))
            return False
        v["society"] = soc
        if v["member"].id == soc.id:
            self.ctx.error(row, self.parser.header("member"), _("会员单位不能是学会本身。"))
            return False
        return not self.duplicate(row, ("g", soc.id, v["member"].id), self.parser.header("member"), _("会员单位"))

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        mode = self.ctx.mode
        cols = ("id", "member_id", "society_id", "org_path", *GROUP_COLUMNS)
        sql, params = col_in("member_id", sorted({v["member"].id for _, v in rows}))
        current = {}
        for r in fetch_rows("members_groupmembership", cols,
                            f"deleted_at IS NULL AND status NOT IN ('withdrawn', 'expelled', 'rejected') "
                            f"AND {sql}", params):
            d = dict(zip(cols, r, strict=True))
            for c in ("joined_on", "dues_paid_through"):
                d[c] = _date_value(d[c])
            current[(d["member_id"], d["society_id"])] = d
        creates, updates = [], []
        for row, v in rows:
            e = current.get((v["member"].id, v["society"].id))
            label = v["member"].name
            if e is None:
                creates.append((row, v))
                self.sample("created", row, label)
                continue
            if mode == Mode.SKIP:
                self.counts["skipped"] += 1
                self.sample("skipped", row, label)
                continue
            new = {}
            for col in ("number", "joined_on", "dues_paid_through", "representative"):
                if col in v and not (mode == Mode.FILL and e[col] not in ("", None)) and e[col] != v[col]:
                    new[col] = v[col]
            merged = {**e, **new}
            status = status_for(joined_on=merged["joined_on"], dues_paid_through=merged["dues_paid_through"],
                                category="member", current=e["status"], today=self.ctx.today)
            if status != e["status"]:
                new["status"] = status
            if not new:
                self.counts["unchanged"] += 1
                self.sample("skipped", row, label)
                continue
            updates.append((row, e, new, label))
            self.sample("updated", row, label, [_verbose(GroupMembership, c) for c in new])
        self.counts["created"] += len(creates)
        self.counts["updated"] += len(updates)
        if not self.writing:
            return
        ids = reserve_ids("members_groupmembership", len(creates))
        self.w.submit(copy_rows, "members_groupmembership", self.model_rows.columns, [self.model_rows.row({
            "id": pk, "member_id": v["member"].id, "society_id": v["society"].id, "org_path": v["society"].path,
            "number": v.get("number", ""), "joined_on": v.get("joined_on"),
            "dues_paid_through": v.get("dues_paid_through"), "representative": v.get("representative", ""),
            "status": status_for(joined_on=v.get("joined_on"), dues_paid_through=v.get("dues_paid_through"),
                                 category="member", current=Status.PENDING, today=self.ctx.today),
        }) for pk, (_row, v) in zip(ids, creates, strict=True)])
        self.created("members_groupmembership", ids)
        upd = []
        for row, e, new, label in updates:
            merged = {**e, **new}
            upd.append((e["id"], *(merged[c] for c in GROUP_COLUMNS)))
            self.record_change("members_groupmembership", e["id"], row, {c: jsonable(e[c]) for c in new},
                               {c: jsonable(new[c]) for c in new})
            self.audit(GroupMembership, e["id"], label, e["org_path"],
                       {_verbose(GroupMembership, c): jsonable(e[c]) for c in new},
                       {_verbose(GroupMembership, c): jsonable(new[c]) for c in new})
        if upd:
            self.w.submit(update_rows, "members_groupmembership", GROUP_COLUMNS, upd)


IMPORTERS: dict[str, type[Importer]] = {
    Kind.PEOPLE: PeopleImporter, Kind.ORGS: OrgsImporter, Kind.MEMBERSHIPS: MembershipsImporter,
    Kind.GROUPS: GroupsImporter,
}
