"""Chinese full-text search: jieba segmentation (rjieba, the Rust port) into a space-separated
token column, matched by PostgreSQL ``to_tsvector('simple', …)`` under a GIN index, or by an
SQLite FTS5 external-content table. Both backends see the same tokens, so results agree.

``index_text`` builds the stored column; ``TokenMatch`` (lookup ``__tokens``) filters by a query.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

import rjieba
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Lookup
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.utils.translation import gettext

from kexie.core.text import join_list

if TYPE_CHECKING:
    from _typeshed import SupportsWrite
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django.db.models.sql.compiler import SQLCompiler

# What a compiled expression is: SQL and its parameters (django-stubs' private _AsSqlType).
Sql = tuple[str, list[str | int]]

# Tokens that carry no meaning on their own in a query.
STOPWORDS = frozenset("的 了 和 与 及 在 中 对 等 是 或 之 其 为 把 被 上 下 有 研究 方面 相关".split())


def segment(text: str) -> list[str]:
    """Fine-grained tokens for indexing (search mode: words and their meaningful sub-words)."""
    return [t for t in rjieba.cut_for_search(text) if t.strip()]


@lru_cache(maxsize=200_000)
def _whole_tokens(value: str) -> tuple[str, ...]:
    value = (value or "").strip()
    return (value.replace(" ", ""), *segment(value)) if value else ()


@lru_cache(maxsize=200_000)
def _segment_tokens(value: str) -> tuple[str, ...]:
    return tuple(segment(value)) if value else ()


# Names longer than this get no partial-name tokens (they are rare and segment well on their own).
NAME_PARTS_MAX = 8


def name_parts(name: str) -> tuple[str, ...]:
    """Partial-name tokens of a person's name: every leading part (the surname: 张, 欧阳) and every
    trailing part (the given name: 晟达, 达), so that "张" finds every 张 and "晟达" finds 张晟达 — rjieba
    keeps most names whole, which found only the 张 whose names happen to segment (decision 0034)."""
    name = (name or "").strip().replace(" ", "").lower()
    if not 2 <= len(name) <= NAME_PARTS_MAX:
        return ()
    return (*(name[:k] for k in range(1, len(name))), *(name[k:] for k in range(1, len(name))))


def index_text(*, whole: Iterable[str] = (), segmented: Iterable[str] = (), names: Iterable[str] = ()) -> str:
    """``whole`` values are indexed as they are (names, keywords) *and* segmented;
    ``segmented`` values (employer, bio) are segmented only; ``names`` also get their leading and trailing
    parts (``name_parts``). Segmentation is cached per value: titles,
    employers and keywords repeat across people, which matters to imports and bulk loads."""
    tokens: list[str] = []
    for value in names:
        tokens += _whole_tokens(value)
        tokens += name_parts(value)
    for value in whole:
        tokens += _whole_tokens(value)
    for value in segmented:
        tokens += _segment_tokens(value)
    return " ".join(dict.fromkeys(t.lower() for t in tokens if t.strip()))


def query_tokens(query: str) -> list[str]:
    query = (query or "").strip()[:100]
    toks: list[str] = []
    for part in query.split():
        cut = [t for t in rjieba.cut(part) if t.strip() and t not in STOPWORDS]
        toks.extend(cut or [part])
    return list(dict.fromkeys(t.lower() for t in toks if t.strip()))


def query_groups(query: str) -> list[tuple[str, ...]]:
    """The query as groups that must all match; a group matches when its first member (the typed word
    as a whole: a partial name, a keyword) or all of its other members (the word's segments) are present.
    "晟达" → ("晟达", "晟", "达"): the given-name token, or both characters."""
    query = (query or "").strip()[:100]
    groups: list[tuple[str, ...]] = []
    for part in query.split():
        whole = part.lower()
        cut = [t.lower() for t in rjieba.cut(part) if t.strip() and t not in STOPWORDS]
        group = (whole,) if not cut or cut == [whole] else (whole, *dict.fromkeys(cut))
        if group not in groups:
            groups.append(group)
    return groups


@models.TextField.register_lookup
class TokenMatch(Lookup[str]):
    """``search_text__tokens="机器学习 医疗"`` — every word of the query must be present, as a whole
    token or as all of its segments (``query_groups``)."""

    lookup_name = "tokens"

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Sql:
        # Inline, so the GIN bitmap scan can drive the query. Which order a caller asks for decides the
        # plan (Person.objects.search(): the key walk for dense terms, the matches sorted for rare ones);
        # a model with a stored vector (``search_vector_column``) is checked per row without recomputing
        # to_tsvector(). plainto_tsquery() pieces joined by || and && : no user text reaches the tsquery syntax.
        lhs, lhs_params = self.process_lhs(compiler, connection)
        vector = getattr(self.lhs.target.model, "search_vector_column", None)
        if vector and self.lhs.target.column == "search_text":
            # the model's stored generated tsvector (install_search_vector), under the GIN index
            lhs = f"{compiler.quote_name_unless_alias(self.lhs.alias)}.{connection.ops.quote_name(vector)}"
            lhs_params = []
        else:
            lhs = f"to_tsvector('simple'::regconfig, {lhs})"
        pieces: list[str] = []
        params: list[str | int] = [*lhs_params]
        for whole, *segments in query_groups(self.rhs) or [("",)]:
            one = "plainto_tsquery('simple'::regconfig, %s)"
            pieces.append(f"({one} || {one})" if segments else one)
            params += [whole, " ".join(segments)] if segments else [whole]
        return f"{lhs} @@ ({' && '.join(pieces)})", params

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Sql:
        qn = compiler.quote_name_unless_alias
        table = self.lhs.target.model._meta.db_table
        alias = self.lhs.alias

        def quoted(token: str) -> str:
            return '"' + token.replace('"', '""') + '"'

        parts = []
        for whole, *segments in query_groups(self.rhs):
            if segments:
                parts.append(f"({quoted(whole)} OR ({' AND '.join(map(quoted, segments))}))")
            else:
                parts.append(quoted(whole))
        match = " AND ".join(parts) or '""'
        fts = f"{table}_fts"
        return f"{qn(alias)}.\"id\" IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)", [match]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Sql:
        # other vendors: substring match of each token
        lhs, lhs_params = self.process_lhs(compiler, connection)
        tokens = query_tokens(self.rhs) or [""]
        sql = " AND ".join(f"{lhs} LIKE %s" for _ in tokens)
        return sql, [p for t in tokens for p in (*lhs_params, f"%{t}%")]


def fts_sqlite_sql(table: str, column: str = "search_text") -> list[str]:
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, content='{table}', content_rowid='id')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES('delete', old.id, old.{column}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES('delete', old.id, old.{column}); "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
    ]


def install_search_index(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str = "search_text") -> None:
    """Migration helper: FTS5 table and triggers on SQLite, a GIN expression index on PostgreSQL."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in fts_sqlite_sql(table, column):
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_{column}_gin ON {table} "
            f"USING gin (to_tsvector('simple'::regconfig, {column}))"
        )


def install_search_vector(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str = "search_text",
                          vector: str = "search_vector") -> None:
    """Migration helper, PostgreSQL: a stored generated ``tsvector`` column beside ``column`` with the GIN index
    on it, in place of ``install_search_index``'s expression index. A query then checks a row by reading the
    stored vector instead of recomputing ``to_tsvector()``, which makes walking the primary key cheap for dense
    terms (decision 0034). The model names the column in ``search_vector_column`` so the ``__tokens`` lookup uses it.
    Bulk loads list their columns, so ``COPY`` never names the generated one. A no-op elsewhere (SQLite keeps
    its FTS5 table)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {table}_{column}_gin")
    schema_editor.execute(
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {vector} tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {column})) STORED"
    )
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {table}_{vector}_gin ON {table} USING gin ({vector})")
    schema_editor.execute(f"ANALYZE {table} ({vector})")


def remove_search_vector(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str = "search_text",
                         vector: str = "search_vector") -> None:
    """The reverse of ``install_search_vector``: the column (and its index) go, the expression index returns."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {vector}")
    install_search_index(schema_editor, table, column)


def lexeme_frequencies(connection: BaseDatabaseWrapper, table: str, vector: str = "search_vector") -> dict[str, float]:
    """PostgreSQL: the share of rows holding each of the column's commonest lexemes, from the planner's
    statistics (``pg_stats.most_common_elems``, refreshed by ANALYZE: about the 1,000 commonest at the default
    statistics target). A lexeme not listed is rarer than every listed one. Empty before the first ANALYZE and
    on other databases."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
            [table, vector],
        )
        row = cur.fetchone()
    if not row or not row[0] or not row[1]:
        return {}
    # the frequencies list ends with the minimum, the maximum and the null frequency (pg_stats documentation)
    return {lexeme: float(freq) for lexeme, freq in zip(row[0], row[1], strict=False)}


def query_frequency(query: str, frequencies: dict[str, float]) -> float:
    """Estimated share of rows matching ``query`` as the ``__tokens`` lookup reads it (``query_groups``): a group
    matches its whole word or all its segments (frequencies added, segments multiplied, as independent), groups
    multiply. Unlisted tokens count as 0: a term missing from the statistics is a rare one."""
    share = 1.0
    for whole, *segments in query_groups(query) or [("",)]:
        seg = 1.0
        for token in segments:
            seg *= frequencies.get(token, 0.0)
        share *= min(1.0, frequencies.get(whole, 0.0) + (seg if segments else 0.0))
    return share


@contextmanager
def sqlite_fts_paused(connection: BaseDatabaseWrapper, table: str, column: str = "search_text") -> Iterator[None]:
    """Bulk loads on SQLite: drop the row triggers, load, then rebuild the FTS index once and restore
    the triggers — one pass instead of one index update per row. A no-op elsewhere."""
    if connection.vendor != "sqlite":
        yield
        return
    fts = f"{table}_fts"
    with connection.cursor() as cur:
        for suffix in ("ai", "ad", "au"):
            cur.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {fts}({fts}) VALUES('rebuild')")
            for sql in fts_sqlite_sql(table, column)[1:]:
                cur.execute(sql)


def c_collate_paths(schema_editor: BaseDatabaseSchemaEditor, table: str, columns: Iterable[str]) -> None:
    """Migration helper: byte-order collation for materialised-path columns on PostgreSQL, so
    range filters for subtrees are exact whatever the database's default collation."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for col in columns:
        schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN {col} TYPE varchar(255) COLLATE "C"')


_FTS_TABLE = re.compile(
    r"CREATE VIRTUAL TABLE (?:IF NOT EXISTS )?\"?(\w+)_fts\"? USING fts5\(\s*(\w+)\s*,\s*content='(\w+)'", re.I
)


def sqlite_search_tables(connection: BaseDatabaseWrapper) -> list[tuple[str, str]]:
    """(content table, column) of every FTS5 index made by ``install_search_index`` on this SQLite database."""
    with connection.cursor() as cur:
        cur.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_fts' ESCAPE '\\'")
        found = [m.groups() for (sql,) in cur.fetchall() if sql and (m := _FTS_TABLE.search(sql))]
    return [(table, column) for fts_base, column, table in found if fts_base == table]


def ensure_sqlite_search_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """Recreate any missing row trigger of an SQLite FTS5 index and rebuild that index from its table (rows
    written while a trigger was missing are absent from it). Rebuilding a table (Django's SQLite ALTER: copy,
    drop, rename) drops its triggers silently; migrations call this after such a rebuild and ``post_migrate``
    checks after every ``migrate``. Returns the tables repaired; a no-op elsewhere and when all is in place."""
    if connection.vendor != "sqlite":
        return []
    repaired = []
    for table, column in sqlite_search_tables(connection):
        fts = f"{table}_fts"
        with connection.cursor() as cur:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            present = {name for (name,) in cur.fetchall()}
            if {f"{fts}_ai", f"{fts}_ad", f"{fts}_au"} <= present:
                continue
            for sql in fts_sqlite_sql(table, column)[1:]:
                cur.execute(sql)
            cur.execute(f"INSERT INTO {fts}({fts}) VALUES('rebuild')")
        repaired.append(table)
    return repaired


@receiver(post_migrate, dispatch_uid="kexie.core.search.ensure_sqlite_search_triggers")
def _search_triggers_after_migrate(sender: object, using: str = DEFAULT_DB_ALIAS, verbosity: int = 1,
                                   stdout: SupportsWrite[str] | None = None, **kwargs: object) -> None:
    """After every ``migrate`` (and ``flush``): no migration that rebuilds a table may leave its full-text
    index without triggers, or people written afterwards are never found by search."""
    repaired = ensure_sqlite_search_triggers(connections[using])
    if repaired and verbosity:
        print("  " + gettext("全文检索触发器已恢复并重建索引：%(tables)s") % {"tables": join_list(repaired)},
              file=stdout or sys.stdout)
