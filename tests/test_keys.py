"""Keys: servers and workers refuse the published demo keys, the PII key stands apart from the secret key,
every value names its key, and ``kexie pii rotate`` moves all personal information to a new key."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from kexie.core import crypto, rotation
from kexie.core.crypto import EncryptedTextField, blind_index, decrypt, encrypt
from kexie.people import services
from kexie.people.models import Person

KEY_VARS = ("KEXIE_SECRET_KEY", "KEXIE_PII_KEY", "KEXIE_PII_OLD_KEYS", "DATABASE_URL")


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env["KEXIE_VAR_DIR"] = str(tmp_path)
    env.update(extra)
    return env


def _kexie(args: list[str], env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kexie.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


# -- servers and workers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["serve", "--port", "18931"], ["db_worker"]], ids=["serve", "db_worker"])
def test_server_and_worker_refuse_to_start_without_keys(tmp_path, args):
    done = _kexie(args, _env(tmp_path))
    assert done.returncode == 2
    assert "拒绝启动" in done.stderr and "KEXIE_SECRET_KEY" in done.stderr and "KEXIE_PII_KEY" in done.stderr
    assert "export KEXIE_PII_KEY=" in done.stderr  # says how to set them


def test_server_refuses_the_published_demo_keys_set_explicitly(tmp_path):
    env = _env(tmp_path, KEXIE_SECRET_KEY=settings.KEXIE_DEMO_SECRET_KEY, KEXIE_PII_KEY="a-key-of-its-own")
    done = _kexie(["serve", "--port", "18932"], env)
    first_line = done.stderr.splitlines()[0]
    assert done.returncode == 2 and "KEXIE_SECRET_KEY" in first_line and "KEXIE_PII_KEY" not in first_line


def test_wsgi_application_loads_only_with_keys_of_its_own(tmp_path):
    code = "import kexie.wsgi; print('loaded')"
    refused = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path), capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode != 0 and "拒绝启动" in refused.stderr and "loaded" not in refused.stdout
    env = _env(tmp_path, KEXIE_SECRET_KEY="site-secret-0123456789", KEXIE_PII_KEY="site-pii-9876543210")
    loaded = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert loaded.returncode == 0 and "loaded" in loaded.stdout, loaded.stderr


def test_pii_key_is_not_derived_from_the_secret_key(tmp_path):
    """Changing KEXIE_SECRET_KEY (e.g. after a leak) must not change the key that seals ID numbers."""
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'kexie.settings'); django.setup(); "
            "from kexie.core.crypto import blind_index, encrypt; "
            "print(blind_index('110101199003070011'), encrypt('13912345678'))")
    outputs = []
    for secret in ("first-secret-0123456789", "second-secret-9876543210"):
        done = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path, KEXIE_SECRET_KEY=secret),
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        index, token = done.stdout.split()[-2:]
        outputs.append(index)
        assert crypto.decrypt(token) == "13912345678"  # the test's key: the demo PII key, whatever the secret
    assert outputs[0] == outputs[1]


def test_demo_works_without_set_up_and_says_it_uses_demo_keys(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the demo runs on SQLite whatever the suite's database")
    done = _kexie(["demo", "--scale", "tiny", "--no-serve"], _env(tmp_path), timeout=600)
    assert done.returncode == 0, done.stderr
    assert "演示密钥" in done.stdout and "切勿在此录入真实数据" in done.stdout
    assert "demo-city-a" in done.stdout

    # A demo database from before the PII key stood apart (values sealed with the demo secret, v1 format):
    # the next `kexie demo` re-encrypts them with the demo PII key, so look-ups by ID number work again.
    db = sqlite3.connect(tmp_path / "kexie.sqlite3")
    legacy = crypto.derive_key(settings.KEXIE_DEMO_SECRET_KEY)
    pk, token = db.execute("SELECT id, id_number FROM people_person WHERE id_number <> '' ORDER BY id").fetchone()
    plain = decrypt(token)
    nonce = os.urandom(12)
    old = "v1:" + base64.b64encode(nonce + legacy.aes.encrypt(nonce, plain.encode(), None)).decode()
    old_hash = crypto.blind_index_many([plain], legacy)[0]
    with db:
        db.execute("UPDATE people_person SET id_number = ?, id_hash = ? WHERE id = ?", [old, old_hash, pk])
    again = _kexie(["demo", "--no-serve"], _env(tmp_path), timeout=600)
    assert again.returncode == 0, again.stderr
    token, id_hash = db.execute("SELECT id_number, id_hash FROM people_person WHERE id = ?", [pk]).fetchone()
    assert token.startswith(crypto.key_ring().current.prefix) and decrypt(token) == plain
    assert id_hash == blind_index(plain)


# -- the key ring ------------------------------------------------------------------------------------------

def test_values_name_their_key_and_old_keys_open_them():
    with override_settings(PII_KEY="first-key-for-the-test", PII_OLD_KEYS=[]):
        token = encrypt("110101199003070011")
        first = crypto.key_ring().current
        assert token.startswith(f"v2:{first.kid}:")
        bulk = crypto.encrypt_many(["13912345678", ""])
        assert bulk[1] == "" and decrypt(bulk[0]) == "13912345678"
        assert crypto.blind_index_many(["13912345678", ""]) == [blind_index("13912345678"), ""]
    with override_settings(PII_KEY="second-key-for-the-test", PII_OLD_KEYS=["first-key-for-the-test"]):
        assert decrypt(token) == "110101199003070011"
        assert crypto.key_fingerprint() != first.fingerprint
        assert not encrypt("x").startswith(f"v2:{first.kid}:")
    with override_settings(PII_KEY="second-key-for-the-test", PII_OLD_KEYS=[]):
        with pytest.raises(crypto.UnknownKeyError, match="KEXIE_PII_OLD_KEYS"):
            decrypt(token)


def test_tampered_key_id_does_not_open():
    with override_settings(PII_KEY="k1-for-the-test", PII_OLD_KEYS=["k2-for-the-test"]):
        token = encrypt("13912345678")
        other = crypto.derive_key("k2-for-the-test").kid
        forged = f"v2:{other}:" + token.split(":", 2)[2]
        with pytest.raises(Exception):  # noqa: B017 - AES-GCM's InvalidTag: the key id is authenticated
            decrypt(forged)


def test_deploy_checks_name_both_demo_keys():
    from kexie.core.checks import demo_keys

    ids = {e.id for e in demo_keys(None)}
    assert {"kexie.E001", "kexie.E002"} <= ids
    with override_settings(SECRET_KEY="site-secret-0123456789", PII_KEY="site-pii-0123456789"):
        assert demo_keys(None) == []


def test_every_blind_index_is_known_to_the_rotation():
    """A ``*_hash`` column beside encrypted fields that rotation does not know would keep the old key."""
    from django.apps import apps

    for model in apps.get_models():
        if not any(isinstance(f, EncryptedTextField) for f in model._meta.concrete_fields):
            continue
        hashes = {f.name for f in model._meta.concrete_fields if f.name.endswith("_hash")}
        known = set(rotation.BLIND_INDEXES.get(model._meta.label_lower, {}).values())
        assert hashes == known, model._meta.label
    for label, pairs in rotation.BLIND_INDEXES.items():
        model = apps.get_model(label)
        for field, hash_field in pairs.items():
            assert isinstance(model._meta.get_field(field), EncryptedTextField)
            model._meta.get_field(hash_field)


# -- rotation ----------------------------------------------------------------------------------------------

def _raw_values() -> dict[tuple[str, str, object], str]:
    out = {}
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        for target in rotation.targets():
            cols = ", ".join(qn(c) for c in target.columns)
            cur.execute(f"SELECT id, {cols} FROM {qn(target.table)}")
            for pk, *values in cur.fetchall():
                for column, value in zip(target.columns, values, strict=True):
                    if value:
                        out[(target.table, column, pk)] = value
    return out


def _rotate(*args: str) -> dict:
    out = StringIO()
    call_command("pii", "rotate", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


NEW_KEY = "a-new-pii-key-for-the-rotation-test"


@pytest.mark.django_db
def test_rotation_reencrypts_every_value_and_recomputes_blind_indexes(province):
    before = _raw_values()
    plain = {k: decrypt(v) for k, v in before.items()}
    tables = {t for t, _, _ in before}
    assert {"people_person", "innovation_enterprise"} <= tables  # the seed has both kinds
    person = Person.objects.exclude(id_hash="").order_by("id").first()
    old_key = settings.PII_KEY
    with override_settings(PII_KEY=NEW_KEY, PII_OLD_KEYS=[old_key]):
        report = _rotate("--batch-size", "97")
        assert report["pending"] == 0 and report["rows"] > 0
        assert sum(report["values"].values()) == len(before)
        assert report["values"]["people.person.id_number"] == sum(
            1 for t, c, _ in before if (t, c) == ("people_person", "id_number"))
        after = _raw_values()
        prefix = crypto.key_ring().current.prefix
        assert after.keys() == before.keys()
        assert all(v.startswith(prefix) for v in after.values())
        assert {k: decrypt(v) for k, v in after.items()} == plain
        for pk, idn, id_hash, phone, phone_hash in Person.objects.values_list(
                "pk", "id_number", "id_hash", "phone", "phone_hash"):
            assert id_hash == (blind_index(idn) if idn else ""), pk
            assert phone_hash == (blind_index(phone) if phone else ""), pk
        # Exact look-ups under the new key: the same ID number cannot be entered twice.
        with pytest.raises(Exception, match="该身份证号码已登记在平台中"):
            services.create_person(province["users"]["demo-province"],
                                   {"name": "重复录入", "org": province["city_a"], "id_number": person.id_number})
        assert _rotate()["rows"] == 0  # idempotent
    with override_settings(PII_KEY=NEW_KEY, PII_OLD_KEYS=[]):  # the old key can go
        assert Person.objects.get(pk=person.pk).id_number == plain[("people_person", "id_number", person.pk)]


@pytest.mark.django_db
def test_rotation_without_the_old_key_refuses_and_changes_nothing(province):
    before = _raw_values()
    with override_settings(PII_KEY=NEW_KEY, PII_OLD_KEYS=[]):
        with pytest.raises(CommandError, match="KEXIE_PII_OLD_KEYS") as err:
            _rotate()
        assert "未做任何修改" in str(err.value)
        status = StringIO()
        call_command("pii", "status", stdout=status)
        assert "未知密钥" in status.getvalue()
    assert _raw_values() == before


@pytest.mark.django_db
def test_interrupted_rotation_resumes_where_it_stopped(province):
    ids = list(Person.objects.exclude(phone="").order_by("id").values_list("id", flat=True))
    broken = ids[len(ids) // 2]
    stranger = crypto.derive_key("a-key-nobody-kept")  # a v1 value no configured key opens
    nonce = os.urandom(12)
    bad = "v1:" + base64.b64encode(nonce + stranger.aes.encrypt(nonce, b"13900000000", None)).decode()
    with connection.cursor() as cur:
        cur.execute("UPDATE people_person SET phone = %s WHERE id = %s", [bad, broken])
    old_key = settings.PII_KEY
    with override_settings(PII_KEY=NEW_KEY, PII_OLD_KEYS=[old_key]):
        prefix = crypto.key_ring().current.prefix
        with pytest.raises(CommandError, match=f"#{broken} "):
            _rotate("--batch-size", "10")
        with connection.cursor() as cur:
            cur.execute("SELECT id, phone FROM people_person WHERE phone <> ''")
            raw = dict(cur.fetchall())
        done = [pk for pk in ids if raw[pk].startswith(prefix)]
        assert done and max(done) < broken  # the batches before the bad row were kept
        assert not raw[ids[-1]].startswith(prefix)
        with connection.cursor() as cur:
            cur.execute("UPDATE people_person SET phone = '', phone_hash = '' WHERE id = %s", [broken])
        report = _rotate("--batch-size", "10")
        assert report["pending"] == 0 and report["rows"] > 0
        assert Person.objects.get(pk=ids[-1]).phone
