"""PII key rotation (``kexie pii status|rotate``): every ``EncryptedTextField`` of every model is re-encrypted
with the current key (``KEXIE_PII_KEY``) and the blind indexes beside it are recomputed, reading values sealed
by earlier keys through ``KEXIE_PII_OLD_KEYS``.

Safe to interrupt and to repeat: each batch of rows is re-read under a row lock, rewritten and committed in
its own transaction, and a row is picked up only while one of its values names another key than the current
one, so a second run finds nothing to do and a run that stopped half-way resumes where it stopped. Values whose
key is unknown stop the run before anything changes (the key ids are counted first); a value that cannot be
opened later (a v1 value, which names no key) stops it at that batch, with the batches before it kept.

The raw column values are read and written with SQL, so ``updated_at`` and the audit log are untouched: the
stored values change, the data do not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from kexie.core.crypto import (
    PREFIX,
    EncryptedTextField,
    UnknownKeyError,
    blind_index,
    decrypt,
    encrypt,
    key_ring,
)

# Blind indexes (``blind_index`` of the plain value), by model and the encrypted field they index. Every
# ``*_hash`` column beside an EncryptedTextField must be listed here (tests/test_keys.py checks it), or a
# rotation would leave it computed with the old key and exact look-ups would stop finding the record.
BLIND_INDEXES: dict[str, dict[str, str]] = {
    "people.person": {"id_number": "id_hash", "phone": "phone_hash"},
    "signup.contact": {"phone": "phone_hash"},
}


class RotationError(Exception):
    pass


@dataclass
class Target:
    """One model's encrypted columns and the blind index column of each (or None)."""

    model: type[models.Model]
    columns: list[str]
    hashes: list[str | None]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def table(self) -> str:
        return self.model._meta.db_table


def targets() -> list[Target]:
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = [f for f in meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if not fields:
            continue
        indexes = BLIND_INDEXES.get(meta.label_lower, {})
        hashes: list[str | None] = []
        for f in fields:
            index = meta.get_field(indexes[f.name]) if f.name in indexes else None
            hashes.append(index.column if isinstance(index, models.Field) else None)
        found.append(Target(model, [f.column for f in fields], hashes))
    return found


def key_counts(target: Target) -> dict[str, Counter[str]]:
    """Per column, how many values each key id sealed (``"v1"``: the first format, which names no key)."""
    qn = connection.ops.quote_name
    out: dict[str, Counter[str]] = {}
    with connection.cursor() as cur:
        for column in target.columns:
            col = qn(column)
            cur.execute(
                f"SELECT CASE WHEN {col} LIKE %s THEN substr({col}, {len(PREFIX) + 1}, 8) ELSE 'v1' END, count(*) "
                f"FROM {qn(target.table)} WHERE {col} <> '' GROUP BY 1",
                [PREFIX + "%"],
            )
            out[column] = Counter({k: n for k, n in cur.fetchall()})
    return out


@dataclass
class Status:
    fingerprint: str
    current: str
    columns: dict[str, dict[str, int]]  # "people.person.id_number" -> {key id: values}

    @property
    def pending(self) -> int:
        return sum(n for counts in self.columns.values() for k, n in counts.items() if k != self.current)

    def unknown(self) -> set[str]:
        known = set(key_ring().by_kid)
        return {k for counts in self.columns.values() for k in counts if k != "v1" and k not in known}


def status() -> Status:
    ring = key_ring()
    columns = {}
    for target in targets():
        for column, counts in key_counts(target).items():
            columns[f"{target.label}.{column}"] = dict(counts)
    return Status(ring.current.fingerprint, ring.current.kid, columns)


@dataclass
class Report:
    rows: int = 0  # rows rewritten
    values: Counter[str] = field(default_factory=Counter)  # re-encrypted values per "label.column"
    hashes: int = 0  # blind indexes recomputed
    batches: int = 0


def _stale_rows(target: Target, prefix: str, size: int, after: object) -> list[tuple[Any, ...]]:
    """The next rows (by primary key, after ``after``) that still hold a value of another key, locked."""
    qn = connection.ops.quote_name
    pk = qn(target.model._meta.pk.column)
    hash_columns = [h for h in target.hashes if h]
    cols = ", ".join(qn(c) for c in [*target.columns, *hash_columns])
    stale = " OR ".join(f"({qn(c)} <> '' AND {qn(c)} NOT LIKE %s)" for c in target.columns)
    params: list[Any] = [prefix + "%"] * len(target.columns)
    if after is not None:
        stale = f"({stale}) AND {pk} > %s"
        params.append(after)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cur:
        cur.execute(f"SELECT {pk}, {cols} FROM {qn(target.table)} WHERE {stale} ORDER BY {pk} "
                    f"LIMIT {int(size)}{lock}", params)
        rows: list[tuple[Any, ...]] = cur.fetchall()
        return rows


def _rotated(target: Target, row: tuple[Any, ...], prefix: str, report: Report) -> list[Any]:
    """The UPDATE parameters for one row: its values re-encrypted where another key sealed them, the blind
    index of each re-encrypted value recomputed, the rest as they were."""
    pk = row[0]
    n = len(target.columns)
    hash_columns = [h for h in target.hashes if h]
    values = dict(zip(target.columns, row[1 : 1 + n], strict=True))
    hashes = dict(zip(hash_columns, row[1 + n :], strict=True))
    for column, hash_column in zip(target.columns, target.hashes, strict=True):
        value = values[column]
        if not value or value.startswith(prefix):
            continue
        try:
            plain = decrypt(value)
        except UnknownKeyError as exc:
            raise RotationError(_("%(model)s #%(pk)s 的 %(field)s 无法解密：%(error)s 本批未修改，此前各批已完成；补上旧密钥后"
                                  "重新运行即可继续。") % {"model": target.label, "pk": pk, "field": column, "error": exc}) from exc
        except (ValueError, InvalidTag) as exc:  # not a value this module wrote, or altered
            raise RotationError(_("%(model)s #%(pk)s 的 %(field)s 不是有效的密文。本批未修改，此前各批已完成。") % {
                "model": target.label, "pk": pk, "field": column}) from exc
        values[column] = encrypt(plain)
        report.values[f"{target.label}.{column}"] += 1
        if hash_column:
            hashes[hash_column] = blind_index(plain)
            report.hashes += 1
    return [*values.values(), *[hashes[h] for h in hash_columns], pk]


def rotate(batch_size: int = 2000, progress: Callable[[str], None] | None = None) -> Report:
    """Re-encrypt every value not sealed by the current key and recompute its blind index."""
    ring = key_ring()
    prefix = ring.current.prefix
    before = status()
    unknown = before.unknown()
    if unknown:
        raise RotationError(_("有个人信息由未知密钥加密（密钥编号：%(kids)s）。请把这些旧密钥加入 KEXIE_PII_OLD_KEYS "
                              "后再轮换；未做任何修改。") % {"kids": ", ".join(sorted(unknown))})
    report = Report()
    qn = connection.ops.quote_name
    for target in targets():
        hash_columns = [h for h in target.hashes if h]
        assignments = ", ".join(f"{qn(c)} = %s" for c in [*target.columns, *hash_columns])
        update = (f"UPDATE {qn(target.table)} SET {assignments} "
                  f"WHERE {qn(target.model._meta.pk.column)} = %s")
        last = None
        while True:
            with transaction.atomic():  # one batch: locked, rewritten, committed
                rows = _stale_rows(target, prefix, batch_size, last)
                if not rows:
                    break
                params = [_rotated(target, row, prefix, report) for row in rows]
                with connection.cursor() as cur:
                    cur.executemany(update, params)
            last = rows[-1][0]
            report.rows += len(params)
            report.batches += 1
            if progress:
                progress(_("%(model)s：已轮换 %(rows)s 行") % {"model": target.label, "rows": report.rows})
    return report
