"""Matching and writing, a chunk of validated rows at a time, set-based: the machinery every import kind
shares (``Importer``, ``ModelRows``, ``update_rows``/``fetch_rows``/``col_in``); each kind's own matching and
writing is its ``Importer`` subclass (``kexie/imports/kinds/``, named by the ``ImportKind`` its app declares).

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
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kexie.core.bulk import SqlValue
from kexie.core.crypto import decrypt, mask_id_number, mask_phone
from kexie.core.models import AuditEntry
from kexie.core.search import index_text
from kexie.imports.models import ImportBatch, ImportChange
from kexie.imports.pipeline import InlineWriter, Writer
from kexie.imports.validate import Context, OrgRef, RowParser

CHUNK = 2000
SAMPLE = 20


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
        self.now_db = models.DateTimeField().get_db_prep_value(now, connection)  # what updated_at is set to

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
    return index_text(names=[name], whole=[*expertise, title], segmented=[employer, position])


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
        if self._same_as_earlier(row, cells):
            return
        values = self.parser.parse(row, cells)
        if values is not None and self.check(row, values):
            self.pending.append((row, values))
        if len(self.pending) >= CHUNK:
            self.flush()

    def check(self, row: int, values: dict[str, Any]) -> bool:
        return True

    def _same_as_earlier(self, row: int, cells: list[str]) -> bool:
        """A row whose every cell equals an earlier row's (spaces aside) is flagged, not read twice. Keyed by an
        8-byte digest of the cells, so a million rows cost a dict of integers, not a copy of the file."""
        text = "\x1f".join(c.strip() for c in cells).rstrip("\x1f")
        if not text:
            return False
        key = ("row", int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big"))
        first = self.seen.get(key)
        if first is not None:
            self.ctx.error(row, "", _("与第 %(n)s 行完全相同（文件内重复行），请删除其中一行。") % {"n": first})
            return True
        self.seen[key] = row
        return False

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


def _date_value(v: Any) -> Any:
    if isinstance(v, str) and v:
        return dt.date.fromisoformat(v[:10])
    return v


def _json_value(v: Any) -> Any:
    if isinstance(v, str):
        return json.loads(v) if v else []
    return v if v is not None else []
