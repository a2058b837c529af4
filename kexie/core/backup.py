"""``kexie backup FILE`` / ``kexie restore FILE``: the database and the uploaded files in one archive.

The archive is a gzip-compressed tar holding, in this order:

``manifest.json``
    format and version, the database vendor, the applied migrations, the row count of every table, the
    number and size of the media files, the SHA-256 of the database file, and the fingerprint of the PII key
    (never the key) with the count of values each key id sealed — enough for a restore to check that it
    goes into the right kind of database, that the code knows the schema and that the keys it runs with can
    open the personal information.
``database.sqlite3``
    SQLite: a copy made with the online backup API (``sqlite3.Connection.backup``) — consistent while the
    site runs, and byte for byte the stored pages, full-text index included.
``database.pgdump``
    PostgreSQL: ``pg_dump`` custom format (uncompressed inside; the tar is compressed), taken from a snapshot
    exported by a REPEATABLE READ transaction that also counts the rows, so counts and dump agree.
``media/…``
    the files under ``MEDIA_ROOT`` (report attachments, letters, imported spreadsheets).

The database is copied as stored: encrypted columns stay encrypted (nothing is decrypted on the way, unlike
``dumpdata``), and the search index travels with it (SQLite FTS5 tables, PostgreSQL GIN index definitions).

A restore goes into an empty database (and an empty media directory) of the same vendor unless ``--force``
is given; it refuses a backup whose PII was sealed by a key the current settings do not hold, then compares
the row count of every table with the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.crypto import PREFIX, key_ring
from kexie.core.rotation import targets
from kexie.core.search import ensure_sqlite_search_triggers
from kexie.core.text import join_list

FORMAT = "kexie-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA = "media/"

Log = Callable[[str], None]


class BackupError(Exception):
    pass


# -- what is counted ---------------------------------------------------------------------------------------

def _tables() -> list[str]:
    """Every table of an installed model, and the migration record."""
    names = set(connection.introspection.django_table_names(only_existing=True, include_views=False))
    return sorted(names | {"django_migrations"})


def _snapshot_facts(execute: Callable[[str, list[Any]], list[tuple[Any, ...]]], ph: str,
                    tables: Iterable[str]) -> dict[str, Any]:
    """Row counts, applied migrations and the key ids of the PII, read through ``execute`` (a cursor on the
    copy or on the exported snapshot; ``ph`` is its parameter placeholder)."""
    qn = connection.ops.quote_name
    counts = {t: int(execute(f"SELECT count(*) FROM {qn(t)}", [])[0][0]) for t in tables}
    applied: dict[str, list[str]] = {}
    for app, name in execute("SELECT app, name FROM django_migrations ORDER BY app, name", []):
        applied.setdefault(app, []).append(name)
    kids: Counter[str] = Counter()
    for target in targets():
        for column in target.columns:
            col = qn(column)
            rows = execute(f"SELECT CASE WHEN {col} LIKE {ph} THEN substr({col}, {len(PREFIX) + 1}, 8) ELSE 'v1' END, "
                           f"count(*) FROM {qn(target.table)} WHERE {col} <> '' GROUP BY 1", [PREFIX + "%"])
            kids.update({k: int(n) for k, n in rows})
    return {"tables": counts, "migrations": applied, "pii_key_ids": dict(kids)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files() -> list[Path]:
    root = _media_root()
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


# -- PostgreSQL tools ---------------------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: from KEXIE_PG_BIN (a directory) or the PATH."""
    folder = os.environ.get("KEXIE_PG_BIN")
    found = str(Path(folder) / name) if folder else shutil.which(name)
    if not found or not os.access(found, os.X_OK):
        raise BackupError(_("找不到 %(tool)s：请安装 PostgreSQL 客户端（与服务器同一大版本或更新），或用环境变量 "
                            "KEXIE_PG_BIN 指定其所在目录。") % {"tool": name})
    return found


def _pg_env() -> dict[str, str]:
    """The connection of the ``default`` database as libpq variables (the password never on a command line)."""
    sd = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                     ("NAME", "PGDATABASE")):
        if sd.get(key):
            env[var] = str(sd[key])
    options = sd.get("OPTIONS") or {}
    for opt, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"),
                     ("sslkey", "PGSSLKEY"), ("service", "PGSERVICE"), ("passfile", "PGPASSFILE")):
        if options.get(opt):
            env[var] = str(options[opt])
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(_("%(tool)s 失败（退出码 %(code)s）：%(error)s") % {
            "tool": Path(args[0]).name, "code": done.returncode, "error": done.stderr.strip()[-2000:]})


# -- backup -------------------------------------------------------------------------------------------------

def _dump_sqlite(target: Path) -> dict[str, Any]:
    if connection.in_atomic_block:  # the backup API waits forever on a connection that holds a write lock
        raise BackupError(_("不能在数据库事务中备份 SQLite 数据库，请单独运行 kexie backup。"))
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # one step: a consistent copy of every page
        copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it

        def execute(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
            return copy.execute(sql, params).fetchall()

        facts = _snapshot_facts(execute, "?", _tables())
    finally:
        copy.close()
    facts["server_version"] = sqlite3.sqlite_version
    return facts


def _dump_postgresql(target: Path) -> dict[str, Any]:
    tables = _tables()
    default = connections[DEFAULT_DB_ALIAS]
    snap = type(default)(dict(default.settings_dict), alias=DEFAULT_DB_ALIAS)  # a connection of its own
    try:
        with snap.cursor() as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cur.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cur.fetchone()
            _run([_pg_tool("pg_dump"), "--format=custom", "--compress=0", f"--snapshot={snapshot}",
                  f"--file={target}"], _pg_env())

            def execute(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
                cur.execute(sql, params)
                return list(cur.fetchall())

            facts = _snapshot_facts(execute, "%s", tables)
            cur.execute("COMMIT")
    finally:
        snap.close()
    facts["server_version"] = server_version
    return facts


def backup(path: Path, *, media: bool = True, log: Log = print) -> dict[str, Any]:
    """Write the archive to ``path`` (through a temporary name, renamed when complete)."""
    vendor = connection.vendor
    if vendor not in DATABASE:
        raise BackupError(_("不支持备份 %(vendor)s 数据库。") % {"vendor": vendor})
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".kexie-backup-") as tmp:
        db_file = Path(tmp) / DATABASE[vendor]
        log(_("正在导出数据库（%(vendor)s）…") % {"vendor": vendor})
        facts = _dump_sqlite(db_file) if vendor == "sqlite" else _dump_postgresql(db_file)
        files = _media_files() if media else []
        root = _media_root()
        ring = key_ring()
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "vendor": vendor,
            "server_version": facts["server_version"],
            "database": {"file": DATABASE[vendor], "bytes": db_file.stat().st_size, "sha256": _sha256(db_file)},
            "migrations": facts["migrations"],
            "tables": facts["tables"],
            "rows": sum(facts["tables"].values()),
            "media": {"included": media, "files": len(files), "bytes": sum(f.stat().st_size for f in files)},
            "pii": {"key_fingerprint": ring.current.fingerprint, "key_id": ring.current.kid,
                    "key_ids": facts["pii_key_ids"]},
        }
        part = path.with_name(path.name + ".part")
        with tarfile.open(part, "w:gz", compresslevel=6) as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(dt.datetime.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_file, arcname=DATABASE[vendor], recursive=False)
            for f in files:
                tar.add(f, arcname=MEDIA + f.relative_to(root).as_posix(), recursive=False)
        os.chmod(part, 0o600)
        os.replace(part, path)
    log(_("备份完成：%(path)s（%(tables)s 张表、%(rows)s 行，媒体文件 %(files)s 个）") % {
        "path": path, "tables": len(manifest["tables"]), "rows": manifest["rows"], "files": manifest["media"]["files"]})
    return manifest


# -- restore ------------------------------------------------------------------------------------------------

def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    first = tar.next()
    if first is None or first.name != MANIFEST:
        raise BackupError(_("这不是 kexie 备份文件（缺少 manifest.json）。"))
    raw = tar.extractfile(first)
    try:
        manifest: dict[str, Any] = json.loads(raw.read() if raw else b"")
    except ValueError as exc:
        raise BackupError(_("备份清单 manifest.json 已损坏。")) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("tables"), dict):
        raise BackupError(_("这不是 kexie 备份文件。"))
    if manifest.get("version") != VERSION:
        raise BackupError(_("备份格式版本 %(v)s 不受支持（本程序支持版本 %(ours)s）。") % {
            "v": manifest.get("version"), "ours": VERSION})
    return manifest


def _open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except FileNotFoundError as exc:
        raise BackupError(_("备份文件不存在：%(path)s") % {"path": path}) from exc
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(_("无法读取备份文件 %(path)s：%(error)s") % {"path": path, "error": exc}) from exc


def key_problems(manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(refusals, warnings) about the PII keys: every key id in the backup must be one the settings hold."""
    ring = key_ring()
    pii = manifest.get("pii") or {}
    kids = {k for k, n in (pii.get("key_ids") or {}).items() if n}
    unknown = sorted(kids - set(ring.by_kid) - {"v1"})
    refusals, warnings = [], []
    if unknown:
        refusals.append(_("备份中的个人信息由另一把密钥加密（备份时的密钥指纹 %(theirs)s，密钥编号 %(kids)s），当前 "
                          "KEXIE_PII_KEY 的指纹是 %(ours)s，KEXIE_PII_OLD_KEYS 中也没有它：恢复后身份证号和手机号将"
                          "无法解密。请设置备份时使用的 KEXIE_PII_KEY（或把它加入 KEXIE_PII_OLD_KEYS）后再恢复。") % {
            "theirs": pii.get("key_fingerprint", "?"), "kids": join_list(unknown), "ours": ring.current.fingerprint})
    elif kids - {ring.current.kid, "v1"}:
        warnings.append(_("备份中的部分个人信息由旧密钥加密（KEXIE_PII_OLD_KEYS 可以解密）：恢复后请运行 "
                          "kexie pii rotate，改用当前密钥。"))
    if "v1" in kids:
        warnings.append(_("备份中有旧格式（未标密钥编号）的个人信息，无法预先核对密钥：恢复后请运行 kexie pii status "
                          "和 kexie pii rotate。"))
    return refusals, warnings


def _schema_problems(manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    known = set(loader.disk_migrations)
    theirs = {(app, name) for app, names in (manifest.get("migrations") or {}).items() for name in names}
    newer = sorted(f"{a}.{n}" for a, n in theirs - known if a in loader.migrated_apps)
    older = sorted(f"{a}.{n}" for a, n in known - theirs)
    refusals = [_("备份来自更新版本的 kexie（含本程序没有的迁移：%(names)s）。请先升级程序再恢复。") % {
        "names": join_list(newer[:5])}] if newer else []
    warnings = [_("备份的数据库结构比本程序旧（缺少 %(n)s 个迁移）：恢复后请运行 kexie migrate。") % {"n": len(older)}
                ] if older else []
    return refusals, warnings


def _target_contents() -> list[str]:
    """What is already in the target: tables of the database, files of the media directory."""
    found = []
    tables = connection.introspection.table_names()
    if tables:
        found.append(_("数据库中已有 %(n)s 张表（如 %(names)s）") % {"n": len(tables), "names": join_list(tables[:3])})
    files = _media_files()
    if files:
        found.append(_("媒体目录 %(dir)s 中已有 %(n)s 个文件") % {"dir": _media_root(), "n": len(files)})
    return found


def _restore_sqlite(db_file: Path) -> None:
    connection.close()
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)  # replaces every page of the target
    finally:
        source.close()
    connection.close()


def _restore_postgresql(db_file: Path, force: bool) -> None:
    connection.close()
    args = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if force:
        args += ["--clean", "--if-exists"]
    name = connection.settings_dict.get("NAME")
    _run([*args, f"--dbname={name}" if name else "--dbname=", str(db_file)], _pg_env())
    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # planner statistics are not in a dump


def _check_counts(manifest: dict[str, Any]) -> list[str]:
    qn = connection.ops.quote_name
    wrong = []
    with connection.cursor() as cur:
        for table, expected in manifest["tables"].items():
            try:
                cur.execute(f"SELECT count(*) FROM {qn(table)}")
                got = cur.fetchone()[0]
            except Exception:  # noqa: BLE001 - a missing table is reported like a wrong count
                got = None
            if got != expected:
                wrong.append(f"{table}: {got} ≠ {expected}")
    return wrong


def _copy(tar: tarfile.TarFile, member: tarfile.TarInfo, digest: Any, out: Any = None) -> None:
    """Stream a member through ``digest`` (and into ``out``)."""
    src = tar.extractfile(member)
    if src is None:
        raise BackupError(_("备份文件中缺少数据库文件。"))
    while block := src.read(1 << 20):
        digest.update(block)
        if out is not None:
            out.write(block)


def inspect(path: Path) -> dict[str, Any]:
    """Read the manifest and check the database file against its SHA-256 (``kexie restore --check``)."""
    with _open(Path(path)) as tar:
        manifest = read_manifest(tar)
        digest = hashlib.sha256()
        for member in tar:
            if member.name == manifest["database"]["file"]:
                _copy(tar, member, digest)
                break
        else:
            raise BackupError(_("备份文件中缺少数据库文件。"))
    if digest.hexdigest() != manifest["database"]["sha256"]:
        raise BackupError(_("备份文件已损坏：数据库文件的校验值与清单不符。"))
    return manifest


def restore(path: Path, *, force: bool = False, log: Log = print) -> dict[str, Any]:
    """Restore ``path`` into the ``default`` database and MEDIA_ROOT; returns the manifest."""
    vendor = connection.vendor
    with _open(Path(path)) as tar:
        manifest = read_manifest(tar)
        if manifest["vendor"] != vendor:
            raise BackupError(_("这是 %(theirs)s 数据库的备份，不能恢复到 %(ours)s 数据库。") % {
                "theirs": manifest["vendor"], "ours": vendor})
        refusals, warnings = key_problems(manifest)
        schema_refusals, schema_warnings = _schema_problems(manifest)
        refusals += schema_refusals
        if refusals:
            raise BackupError("\n".join(refusals))
        present = _target_contents()
        if present and not force:
            raise BackupError(_("目标不是空的：%(what)s。恢复会覆盖其中的数据，已停止，未做任何修改。请恢复到新建的空数据库"
                                "（不要先运行 migrate）；确需覆盖时加 --force。") % {"what": join_list(present)})
        root = _media_root()
        with tempfile.TemporaryDirectory(prefix=".kexie-restore-", dir=_temp_dir(path)) as tmp:
            db_file = Path(tmp) / manifest["database"]["file"]
            member = tar.next()
            if member is None or member.name != manifest["database"]["file"]:
                raise BackupError(_("备份文件中缺少数据库文件。"))
            digest = hashlib.sha256()
            with open(db_file, "wb") as out:
                _copy(tar, member, digest, out)
            if digest.hexdigest() != manifest["database"]["sha256"]:
                raise BackupError(_("备份文件已损坏：数据库文件的校验值与清单不符。未做任何修改。"))
            log(_("正在恢复数据库（%(vendor)s）…") % {"vendor": vendor})
            if vendor == "sqlite":
                _restore_sqlite(db_file)
            else:
                _restore_postgresql(db_file, force)
        files = 0
        try:
            for member in tar:
                if not member.name.startswith(MEDIA) or not member.isfile():
                    continue
                member.name = member.name[len(MEDIA) :]
                tar.extract(member, root, filter="data")  # no absolute paths, no "..", no links out
                files += 1
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(_("数据库已恢复，但上传文件未能全部恢复（已恢复 %(n)s 个）：%(error)s") % {
                "n": files, "error": exc}) from exc
    repaired = ensure_sqlite_search_triggers(connection)
    if repaired:
        log(_("全文检索触发器已恢复并重建索引：%(tables)s") % {"tables": join_list(repaired)})
    wrong = _check_counts(manifest)
    if wrong:
        raise BackupError(_("恢复后的行数与备份清单不一致：%(rows)s") % {"rows": join_list(wrong[:10])})
    for line in [*warnings, *schema_warnings]:
        log(_("注意：") + line)
    log(_("恢复完成：%(tables)s 张表、%(rows)s 行与备份清单一致，媒体文件 %(files)s 个。") % {
        "tables": len(manifest["tables"]), "rows": manifest["rows"], "files": files})
    return manifest


def _temp_dir(path: Path) -> str | None:
    """Unpack next to the database file where there is one (room for a copy of it), else next to the archive."""
    name = connection.settings_dict.get("NAME")
    if connection.vendor == "sqlite" and name and not str(name).startswith(("file:", ":memory:")):
        return str(Path(name).resolve().parent)
    return str(Path(path).resolve().parent)
