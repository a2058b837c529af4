"""The bulk seeding path: generation in worker processes gives the same people as in one process,
ID numbers stay unique and valid across streams, and COPY text round-trips awkward values."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.utils import timezone

from kexie.core import bulk

SCRIPT = r"""
import json, django
django.setup()
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kexie.core.crypto import decrypt
from kexie.core.validators import is_valid_id_number
from kexie.demo.generator import PERSON_COLUMNS, ProvinceGenerator
from kexie.demo.people import PeopleMaker

call_command("migrate", verbosity=0)
with transaction.atomic():
    gen = ProvinceGenerator("tiny", 3, people=1)
    gen.build_orgs()
pii = {PERSON_COLUMNS.index(c) for c in ("id_number", "phone")}
plain = lambda rows: [[decrypt(v) if i in pii and v else str(v) for i, v in enumerate(r)] for r in rows]
plan, now = [700, 700, 700, 350], timezone.now()
inline = list(PeopleMaker(gen, 3).run(plan, 10_001, 0.5, now, text=False, processes=False))
forked = list(PeopleMaker(gen, 3).run(plan, 10_001, 0.5, now, text=False, processes=True))
people = [r for c in inline for r in plain(c[1])]
ids = [r[PERSON_COLUMNS.index("id_number")] for r in people if r[PERSON_COLUMNS.index("id_number")]]
print(json.dumps({
    "sizes": [c[0] for c in forked],
    "same": all(plain(a[1]) == plain(b[1]) and a[2] == b[2] and a[3] == b[3] for a, b in zip(inline, forked)),
    "person_ids": [r[0] for r in people] == [str(i) for i in range(10_001, 10_001 + sum(plan))],
    "people": len(people), "ids": len(ids), "unique_ids": len(set(ids)),
    "valid_ids": sum(map(is_valid_id_number, ids)), "memberships": sum(len(c[3]) for c in inline),
}))
"""


def test_processes_give_the_same_people_and_unique_valid_ids(tmp_path):
    """Worker processes (one per stream) produce exactly what one process produces, and the streams
    never issue the same ID number. Runs on a fresh SQLite database in a subprocess, because the
    generator's organisations must be built into an empty database."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(KEXIE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="kexie.settings")
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300,
                         check=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    assert got["sizes"] == [700, 700, 700, 350] and got["same"] and got["person_ids"]
    assert got["ids"] > 0.8 * got["people"] and got["unique_ids"] == got["ids"] == got["valid_ids"]
    assert got["memberships"] > 0.3 * got["people"]


@pytest.mark.django_db
def test_copy_text_round_trips_awkward_values(province):
    """Tabs, line breaks, backslashes and a literal \\N in text survive COPY; None stays NULL."""
    from kexie.orgs.models import Organisation

    org = Organisation.objects.order_by("path").first()
    awkward = ["制表\t符", "换\n行", "反\\斜杠", "\\N", "回车\r", "普通"]
    now = timezone.now()
    rows = [(org.pk, text, dt.date(2020, 1, 1) if i % 2 else None, i % 2 == 0, now)
            for i, text in enumerate(awkward)]
    block = bulk.copy_text(rows)
    assert block.count(b"\n") == len(rows)
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE copy_probe (org_id bigint, note text, day date, flag boolean, at timestamptz)")
        bulk.copy_block("copy_probe", ["org_id", "note", "day", "flag", "at"], block)
        cur.execute("SELECT org_id, note, day, flag, at FROM copy_probe ORDER BY note")
        got = cur.fetchall()
    assert sorted(got, key=lambda r: r[1]) == sorted(rows, key=lambda r: r[1])
