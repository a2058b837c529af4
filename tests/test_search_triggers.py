"""People search on a fresh SQLite install: a database made by ``kexie migrate`` alone (no ``kexie seed``)
finds a person entered through the service, and a table rebuild that drops the full-text triggers is
repaired by the next ``migrate``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
django.setup()
from django.core.management import call_command
from django.db import connection
from kexie.accounts.models import User
from kexie.orgs.models import OrgKind
from kexie.orgs.services import create_organisation
from kexie.people.models import Person
from kexie.people.services import create_person

actor = User.objects.create_superuser("root-search", "root@example.com", "Kx-search-2024!")
org = create_organisation(actor, None, {"name": "测试省科学技术协会", "code": "T-SEARCH", "level": "province",
                                        "kind": OrgKind.objects.get(code="kx")})
first = create_person(actor, {"name": "欧阳明远", "org": org, "employer_name": "江淮理工大学",
                              "expertise": ["量子计算"]})
out = {"found_by_name": list(Person.objects.search("欧阳明远").values_list("pk", flat=True)),
       "found_by_expertise": list(Person.objects.search("量子计算").values_list("pk", flat=True)),
       "first": first.pk}
with connection.cursor() as cur:  # what a later table rebuild on SQLite does to the triggers
    for suffix in ("ai", "ad", "au"):
        cur.execute(f"DROP TRIGGER IF EXISTS people_person_fts_{suffix}")
second = create_person(actor, {"name": "司马清和", "org": org, "employer_name": "云岫农业科学院"})
out["second"] = second.pk
out["before_migrate"] = list(Person.objects.search("司马清和").values_list("pk", flat=True))
call_command("migrate", verbosity=0)
out["after_migrate"] = list(Person.objects.search("司马清和").values_list("pk", flat=True))
print("RESULT " + json.dumps(out))
"""


def test_fresh_sqlite_install_finds_people_created_through_the_service(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    env["KEXIE_VAR_DIR"] = str(tmp_path)
    subprocess.run([sys.executable, "-m", "kexie.cli", "migrate", "--verbosity", "0"], env=env, check=True,
                   capture_output=True, timeout=300)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.split("RESULT ", 1)[1])
    assert result["found_by_name"] == [result["first"]]
    assert result["found_by_expertise"] == [result["first"]]
    # Without its triggers the index misses new people; the next migrate puts them back and reindexes.
    assert result["before_migrate"] == []
    assert result["after_migrate"] == [result["second"]]


@pytest.mark.django_db
def test_migrate_reports_nothing_to_repair_when_the_triggers_are_in_place():
    from django.db import connection

    from kexie.core.search import ensure_sqlite_search_triggers, sqlite_search_tables

    if connection.vendor != "sqlite":
        assert ensure_sqlite_search_triggers(connection) == []
        return
    assert ("people_person", "search_text") in sqlite_search_tables(connection)
    assert ensure_sqlite_search_triggers(connection) == []
