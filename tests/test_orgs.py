import pytest
from django.core.exceptions import ValidationError

from kexie.core.scope import minimal_prefixes, path_upper, prefix_q
from kexie.orgs import services
from kexie.orgs.models import Organisation
from kexie.people.models import Person


def test_minimal_prefixes_and_upper_bound():
    assert minimal_prefixes(["0001", "00010002", "0002", "00020003000A"]) == ["0001", "0002"]
    assert path_upper("0001") == "0002" and path_upper("000Z") == "000["


@pytest.mark.django_db
def test_subtree_filter_matches_treebeard(province):
    city = province["city_a"]
    ours = set(Organisation.objects.filter(prefix_q("path", [city.path])).values_list("pk", flat=True))
    theirs = {o.pk for o in Organisation.get_tree(city)}
    assert ours == theirs and len(ours) > 5


@pytest.mark.django_db
def test_tree_counts(client_a, province):
    city = province["city_a"]
    resp = client_a.get(f"/orgs/{city.pk}/children/")
    html = resp.content.decode()
    child = Organisation.objects.filter(prefix_q("path", [city.path]), depth=city.depth + 1, numchild__gt=0).first()
    orgs = Organisation.objects.filter(prefix_q("path", [child.path])).count() - 1
    people = Person.objects.alive().filter(prefix_q("org_path", [child.path])).count()
    assert child.name in html
    assert f"下级组织 {orgs} · 人员 {people}" in html


@pytest.mark.django_db
def test_create_delete_restore_child(province):
    user = province["users"]["demo-city-a"]
    city = province["city_a"]
    child = services.create_organisation(user, city, {"name": "测试科协", "code": "T-TEST-1", "kind": city.kind,
                                                      "level": "county"})
    assert child.path.startswith(city.path)
    with pytest.raises(ValidationError, match="仍有下级组织"):
        services.delete_organisation(user, city)
    services.delete_organisation(user, child)
    assert not Organisation.objects.alive().filter(pk=child.pk).exists()
    services.restore_organisation(user, child)
    assert Organisation.objects.alive().filter(pk=child.pk).exists()


@pytest.mark.django_db
def test_seed_is_deterministic_and_rich(province):
    from kexie.demo.data.expertise import EXPERTISE
    from kexie.people.models import Discipline

    first_level = set(Discipline.objects.filter(parent__isnull=True).values_list("code", flat=True))
    assert first_level <= set(EXPERTISE)
    assert all(len(set(terms)) >= 40 for terms in EXPERTISE.values())
    kinds = set(Organisation.objects.values_list("kind__code", flat=True))
    assert {"kx", "society", "university_kx", "enterprise_kx", "hospital_kx", "park_kx", "agri_assoc"} <= kinds
    assert Organisation.objects.filter(kind__code="kx", level="city").count() == 13


@pytest.mark.django_db
def test_demo_command_is_deterministic(tmp_path, province):
    """``kexie demo --no-serve`` on a fresh SQLite file gives the same province as the test seed."""
    import os
    import sqlite3
    import subprocess
    import sys

    from tests.conftest import SEED, SEED_TODAY

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KEXIE_VAR_DIR"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-m", "kexie.cli", "demo", "--scale", "tiny", "--seed", str(SEED),
                          "--today", SEED_TODAY.isoformat(), "--no-serve"], env=env, capture_output=True, text=True, timeout=300, check=True).stdout
    assert "demo-city-a" in out and "kexie-demo" in out
    db = sqlite3.connect(tmp_path / "kexie.sqlite3")
    theirs = db.execute("SELECT name, birth_date, employer_name FROM people_person ORDER BY id LIMIT 200").fetchall()
    first = Person.objects.order_by("id").first().pk
    ours = [(n, b.isoformat(), e) for n, b, e in Person.objects.filter(pk__lt=first + 200).order_by("id")
            .values_list("name", "birth_date", "employer_name")]
    assert theirs == ours
    orgs = db.execute("SELECT name FROM orgs_organisation ORDER BY path").fetchall()
    assert [o[0] for o in orgs] == list(Organisation.objects.order_by("path").values_list("name", flat=True))
