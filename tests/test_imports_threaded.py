"""The threaded writer (PostgreSQL, large files): the writes run in a worker thread on its own
connection, in one transaction, while the reading thread validates the next chunk. Transactional
tests, because the worker's connection must see the seeded province committed."""

from __future__ import annotations

import pytest
from django.db import connection

from kexie.core.crypto import blind_index
from tests.test_imports import MEMBER_HEADER, PEOPLE_HEADER, make_id, person_row, run, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def seeded(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the threaded writer is used on PostgreSQL only")
    from kexie.accounts.models import User
    from tests.conftest import seed_tiny

    seed_tiny()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KEXIE_IMPORT_THREADED_ROWS = 1
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    return users


def test_threaded_import_commits_and_counts(seeded, tmp_path):
    from kexie.imports.models import BatchStatus
    from kexie.orgs.models import Organisation
    from kexie.people.models import Person

    user = seeded["demo-city-a"]
    city_a = user.assignments.get().organisation
    before = Organisation.objects.get(pk=city_a.pk).people_count
    rows = [person_row(i, 身份证号="", 手机号=f"136{i:08d}") for i in range(4500)]
    batch = run(write_xlsx(tmp_path / "t.xlsx", PEOPLE_HEADER, rows), "people", user, city_a)
    assert batch.status == BatchStatus.DONE and batch.report["threaded"], batch.errors
    assert batch.created == 4500
    assert Person.objects.filter(phone_hash=blind_index("13600004499")).exists()
    assert Organisation.objects.get(pk=city_a.pk).people_count == before + 4500


def test_threaded_import_with_a_late_error_changes_nothing(seeded, tmp_path):
    from kexie.imports.models import BatchStatus
    from kexie.people.models import Person

    user = seeded["demo-city-a"]
    city_a = user.assignments.get().organisation
    n = Person.objects.count()
    rows = [person_row(i, 身份证号="", 手机号=f"137{i:08d}") for i in range(4500)]
    rows[-1]["手机号"] = "1"
    batch = run(write_xlsx(tmp_path / "t.xlsx", PEOPLE_HEADER, rows), "people", user, city_a)
    assert batch.status == BatchStatus.FAILED and batch.report["threaded"]
    assert Person.objects.count() == n


def test_threaded_memberships_name_a_new_person_twice(seeded, tmp_path):
    from kexie.imports.models import BatchStatus
    from kexie.members.models import Membership
    from kexie.orgs.models import Organisation

    user = seeded["demo-society"]
    society = user.assignments.get().organisation
    branch = Organisation.objects.filter(path__startswith=society.path, depth=society.depth + 1).first()
    ids = [make_id(i, f"19{60 + i // 1000}0101") for i in range(2100)]
    rows = [["多会籍", idn, "", society.code, "会员", "", "2020-01-01", "2099-12-31"] for idn in ids]
    rows.append(["多会籍", ids[0], "", branch.code, "会员", "", "2020-01-01", "2099-12-31"])
    batch = run(write_xlsx(tmp_path / "m.xlsx", MEMBER_HEADER, rows), "memberships", user, society)
    assert batch.status == BatchStatus.DONE and batch.created == 2101, batch.errors
    person = Membership.objects.get(society=branch, person__id_hash=blind_index(ids[0])).person
    assert set(person.memberships.values_list("society_id", flat=True)) == {society.pk, branch.pk}
