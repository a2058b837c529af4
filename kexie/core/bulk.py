"""Fast bulk loading for large generated or imported data sets: PostgreSQL ``COPY`` through
psycopg 3, SQLite ``executemany`` in one transaction. Rows are tuples in ``columns`` order; where
related rows must refer to them at once, the caller assigns the primary keys (``next_id``).

For the largest loads, rows can be formatted as ``COPY`` text away from the database connection
(``copy_text``, e.g. in worker processes) and streamed as blocks (``copy_block``), and
``indexes_deferred`` drops a table's secondary indexes and constraints for the load and rebuilds
them once afterwards, which PostgreSQL does far faster than maintaining them row by row."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection

# A value the database adapters take (what django-stubs calls _SQLType); a row is a sequence of them.
SqlValue = bool | int | float | Decimal | str | bytes | dt.date | dt.datetime | UUID | tuple[Any, ...] | list[Any] | None

# COPY text format: backslash, tab, newline and carriage return are escaped; NULL is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(v: object) -> str:
    if v.__class__ is int:
        return str(v)
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v).translate(_COPY_ESCAPES)


def copy_text(rows: Sequence[Sequence[SqlValue]]) -> bytes:
    """Rows as one block of PostgreSQL ``COPY … FROM STDIN`` text (UTF-8).

    Column by column: each distinct non-text value is formatted once (dates, timestamps and flags
    repeat), text is joined as it is, and counting then proves that no value held a tab, a line break
    or a backslash (the block has exactly the separators the rows need); otherwise every value is
    escaped."""
    if not rows:
        return b""
    columns: list[Sequence[object]] = []
    nones = 0
    for col in zip(*rows, strict=True):
        kinds = set(map(type, col))
        if kinds == {str}:
            columns.append(col)
            continue
        if bool in kinds and int in kinds:  # True == 1 would share a formatted value
            columns.append([_copy_value(v) for v in col])
        else:
            formatted = {v: _copy_value(v) for v in set(col)}
            columns.append(list(map(formatted.__getitem__, col)))
        if type(None) in kinds:
            nones += col.count(None)
    block = "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"
    if (block.count("\t") == len(rows) * (len(columns) - 1) and block.count("\n") == len(rows)
            and block.count("\\") == nones == block.count("\\N") and "\r" not in block):
        return block.encode()
    lines = ["\t".join([v.translate(_COPY_ESCAPES) if type(v) is str else _copy_value(v) for v in row])
             for row in rows]
    return ("\n".join(lines) + "\n").encode()


def copy_block(table: str, columns: Sequence[str], data: bytes) -> None:
    """Stream a block made by ``copy_text`` into ``table`` (PostgreSQL only)."""
    if not data:
        return
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(data)


def next_id(table: str) -> int:
    """The first free primary key of a table being filled by one loader (seeding); beside concurrent writers
    use ``reserve_ids``."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return int(cur.fetchone()[0])


def reserve_ids(table: str, n: int) -> list[int]:
    """Primary keys for ``n`` new rows, taken from the table's sequence on PostgreSQL (safe beside
    concurrent inserts); on SQLite the write lock is ours for the whole transaction."""
    if n <= 0:
        return []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [n])
            return [r[0] for r in cur.fetchall()]
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        top = cur.fetchone()[0]
        cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cur.fetchone()
        first = max(top, seq[0] if seq else 0) + 1
    return list(range(first, first + n))


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[SqlValue]]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order); names are quoted (a model may have a column
    called ``on``). Returns the number of rows."""
    n = 0
    qn = connection.ops.quote_name
    table, cols = qn(table), ", ".join(qn(c) for c in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        return n
    sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
    batch: list[Sequence[SqlValue]] = []
    with connection.cursor() as cur:
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                cur.executemany(sql, batch)
                n += len(batch)
                batch.clear()
        if batch:
            cur.executemany(sql, batch)
            n += len(batch)
    return n


def reset_sequence(table: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )


def analyze(tables: Sequence[str]) -> None:
    """After a bulk load: planner statistics everywhere; on PostgreSQL also the visibility map
    (VACUUM), without which index-only scans still visit the heap. Must run outside a transaction."""
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"VACUUM (ANALYZE) {table}" if connection.vendor == "postgresql" else f"ANALYZE {table}")


@contextlib.contextmanager
def indexes_deferred(tables: Sequence[str], maintenance_work_mem: str = "1GB") -> Iterator[None]:
    """PostgreSQL: drop the secondary indexes, unique and foreign-key constraints of ``tables``
    (primary keys stay), run the body, then rebuild them all — inside the caller's transaction, so a
    failure (a duplicate key, a dangling reference) rolls back the load with them. Measured in
    docs/benchmarks.md: a bulk load into the bare tables plus the rebuild is several times faster than
    loading with the indexes in place. A no-op elsewhere."""
    if connection.vendor != "postgresql":
        yield
        return
    constraints: list[tuple[str, str, str]] = []
    indexes: list[tuple[str, str]] = []
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
                [table],
            )
            constraints += [(table, name, definition) for name, definition in cur.fetchall()]
            cur.execute(
                "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid "
                "AND k.conrelid = x.indrelid) ORDER BY c.relname",
                [table],
            )
            indexes += cur.fetchall()
        for table, name, _ in constraints:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = %s", [maintenance_work_mem])
        for _, definition in indexes:
            cur.execute(definition)
        for table, name, definition in sorted(constraints, key=lambda c: "FOREIGN" in c[2]):
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
