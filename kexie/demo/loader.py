"""Fast bulk loading for large generated or imported data sets: PostgreSQL ``COPY`` through
psycopg 3, SQLite ``executemany`` in one transaction. Rows are tuples in ``columns`` order with
primary keys assigned by the caller (``next_ids``), so related rows can refer to them at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


def next_id(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return int(cur.fetchone()[0])


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    n = 0
    cols = ", ".join(columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        return n
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({cols}) VALUES ({placeholders})"
    batch: list[Sequence] = []
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
