"""``kexie backup`` / ``kexie restore``: a backup taken from the seeded database restores into an empty one
with identical counts and working search, on SQLite and on PostgreSQL (whichever the suite runs on); the file
holds no ID or phone number in clear; restore refuses a database that is not empty and a backup sealed with
another PII key."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kexie.people.models import Person

PROBE = r"""
import json, os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
django.setup()
from django.db import connection
from kexie.people.models import Person
spec = json.loads(sys.argv[1])
qn = connection.ops.quote_name
out = {"counts": {}, "search": {}}
with connection.cursor() as cur:
    for table in spec["tables"]:
        cur.execute(f"SELECT count(*) FROM {qn(table)}")
        out["counts"][table] = cur.fetchone()[0]
for query in spec["queries"]:
    out["search"][query] = list(Person.objects.search(query).values_list("pk", flat=True)[:50])
person = Person.objects.get(pk=spec["person"])
out["id_number"], out["phone"] = person.id_number, person.phone
print("RESULT " + json.dumps(out, ensure_ascii=False))
"""


def _env(var_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "KEXIE_VAR_DIR": str(var_dir), **extra})
    return env


def _kexie(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kexie.cli", *args], env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture
def source(province, tmp_path) -> str:
    """The URL of the seeded test database for a ``kexie backup`` run in its own process: the PostgreSQL test
    database itself (the seed is committed), or for SQLite an image of the in-memory test database written to a
    file (the backup API cannot read a connection that holds a write lock, as the test's transaction does)."""
    sd = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        path = tmp_path / "source.sqlite3"
        path.write_bytes(connection.connection.serialize())
        return f"sqlite:///{path}"
    auth = sd["USER"] + (f":{sd['PASSWORD']}" if sd["PASSWORD"] else "")
    return f"postgres://{auth}@{sd['HOST'] or '127.0.0.1'}:{sd['PORT'] or 5432}/{sd['NAME']}"


def _backup(source: str, media: Path, file: Path) -> dict:
    done = _kexie(["backup", str(file)], _env(media.parent, source))  # MEDIA_ROOT: KEXIE_VAR_DIR/media
    assert done.returncode == 0, done.stderr
    assert "备份完成" in done.stdout
    return _manifest(file)


def _source_counts(tables) -> dict[str, int]:
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        counts = {}
        for table in tables:
            cur.execute(f"SELECT count(*) FROM {qn(table)}")
            counts[table] = cur.fetchone()[0]
    return counts


def _manifest(path: Path) -> dict:
    with tarfile.open(path, "r:gz") as tar:
        return json.load(tar.extractfile("manifest.json"))


@pytest.fixture
def media(tmp_path) -> Path:
    root = tmp_path / "source-var" / "media"
    (root / "reports" / "1").mkdir(parents=True)
    (root / "reports" / "1" / "annual.pdf").write_bytes(b"%PDF-1.7 annual report\n")
    return root


@pytest.fixture
def empty_database(tmp_path) -> Iterator[str]:
    """The URL of a new, empty database of the suite's vendor: a file under tmp_path, or a scratch
    PostgreSQL database with a unique name, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    sd = connection.settings_dict
    name = f"{sd['NAME']}_restore_{uuid.uuid4().hex[:10]}"[:63]
    params = {"host": sd["HOST"] or None, "port": sd["PORT"] or None, "user": sd["USER"] or None,
              "password": sd["PASSWORD"] or None, "dbname": "postgres"}
    params = {k: v for k, v in params.items() if v}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = sd["USER"] + (f":{sd['PASSWORD']}" if sd["PASSWORD"] else "")
        yield f"postgres://{auth}@{sd['HOST'] or '127.0.0.1'}:{sd['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db
def test_backup_restores_into_an_empty_database_with_identical_counts_and_working_search(
        source, media, empty_database, tmp_path):
    file = tmp_path / "kexie-backup.tar.gz"
    manifest = _backup(source, media, file)
    assert manifest["vendor"] == connection.vendor
    source = _source_counts(manifest["tables"])
    assert manifest["tables"] == source
    assert source["people_person"] == Person.objects.count() > 0
    assert manifest["pii"]["key_fingerprint"] and manifest["pii"]["key_ids"]
    assert "people" in manifest["migrations"]

    person = Person.objects.exclude(id_number="").exclude(phone="").order_by("id").first()
    expert = Person.objects.exclude(expertise=[]).order_by("id").first()
    queries = [person.name, expert.expertise[0], f"{expert.name} {expert.expertise[0]}"]
    expected = {q: list(Person.objects.search(q).values_list("pk", flat=True)[:50]) for q in queries}
    assert all(expected.values())

    target = tmp_path / "target"
    env = _env(target, empty_database)
    done = _kexie(["restore", str(file)], env)
    assert done.returncode == 0, done.stderr
    assert "恢复完成" in done.stdout
    probe = subprocess.run([sys.executable, "-c", PROBE, json.dumps(
        {"tables": list(source), "queries": queries, "person": person.pk})], env=env, capture_output=True,
        text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr
    restored = json.loads(probe.stdout.split("RESULT ", 1)[1])
    assert restored["counts"] == source
    assert restored["search"] == expected
    assert (restored["id_number"], restored["phone"]) == (person.id_number, person.phone)
    assert (target / "media" / "reports" / "1" / "annual.pdf").read_bytes() == b"%PDF-1.7 annual report\n"

    # The restored database is no longer empty: a second restore is refused and changes nothing.
    again = _kexie(["restore", str(file)], env)
    assert again.returncode != 0
    assert "目标不是空的" in again.stderr and "--force" in again.stderr and "未做任何修改" in again.stderr


@pytest.mark.django_db
def test_backup_file_holds_no_id_or_phone_number_in_clear(source, media, tmp_path):
    file = tmp_path / "kexie-backup.tar.gz"
    _backup(source, media, file)
    data = gzip.decompress(file.read_bytes())  # the tar inside; the database in it is stored uncompressed
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM people_person WHERE id_number <> '' ORDER BY id LIMIT 5")
        ciphertexts = [row[0] for row in cur.fetchall()]
    assert ciphertexts and all(c.encode() in data for c in ciphertexts)  # the people are in the file, sealed
    people = list(Person.objects.values_list("id_number", "phone"))
    ids = [i for i, _ in people if i]
    phones = [p for _, p in people if p]
    assert len(ids) > 100 and len(phones) > 100
    assert [i for i in ids if i.encode() in data] == []
    assert [p for p in phones if p.encode() in data] == []


@pytest.mark.django_db
def test_restore_refuses_a_backup_sealed_with_another_pii_key(source, media, tmp_path):
    file = tmp_path / "kexie-backup.tar.gz"
    _backup(source, media, file)
    url = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    checked = _kexie(["restore", "--check", str(file)], _env(tmp_path / "t", url))
    assert checked.returncode == 0 and "备份文件完好" in checked.stdout, checked.stderr
    wrong = _kexie(["restore", "--check", str(file)], _env(tmp_path / "t", url, KEXIE_PII_KEY="another-pii-key-0123"))
    assert wrong.returncode != 0
    assert "另一把密钥" in wrong.stderr and _manifest(file)["pii"]["key_fingerprint"] in wrong.stderr


@pytest.mark.django_db
def test_backup_inside_a_transaction_on_sqlite_is_refused_not_left_waiting(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's backup API")
    with pytest.raises(CommandError, match="事务"):
        call_command("backup", str(tmp_path / "b.tar.gz"))


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    file = tmp_path / "not-a-backup.tar.gz"
    file.write_bytes(gzip.compress(b"id,name\n1,x\n"))
    done = _kexie(["restore", str(file)], _env(tmp_path / "t", f"sqlite:///{tmp_path / 'x.sqlite3'}"))
    assert done.returncode != 0 and "备份文件" in done.stderr
