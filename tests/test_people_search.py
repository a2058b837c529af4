"""Partial-name search (decision 0034): a surname finds every bearer in scope, a given name finds the
person, mixed with the token search for expertise; the same rows on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from kexie.core.search import name_parts, query_groups
from kexie.people import services
from kexie.people.models import Person
from tests.conftest import login


def test_name_parts_are_leading_and_trailing_parts():
    assert set(name_parts("张晟达")) == {"张", "张晟", "晟达", "达"}
    assert "欧阳" in name_parts("欧阳修文") and "修文" in name_parts("欧阳修文")
    assert name_parts("张") == () and name_parts("") == ()


def test_query_groups_keep_the_typed_word_and_its_segments():
    assert query_groups("晟达") == [("晟达", "晟", "达")]
    assert query_groups("张  张") == [("张",)]
    assert query_groups("   ") == []


def _commonest_surname() -> tuple[str, int]:
    first = Counter(n[0] for n in Person.objects.alive().values_list("name", flat=True))
    return first.most_common(1)[0]


@pytest.mark.django_db
def test_surname_finds_every_bearer(province):
    surname, count = _commonest_surname()
    assert count > 20
    found = Person.objects.alive().search(surname)
    assert found.count() == Person.objects.alive().filter(name__startswith=surname).count() == count


@pytest.mark.django_db
def test_given_name_finds_the_person(province):
    person = Person.objects.alive().filter(name__regex=r"^.{3}$").order_by("id")[3]
    given = person.name[1:]
    found = list(Person.objects.alive().search(given).values_list("name", flat=True))
    assert person.name in found
    assert all(given in name for name in found)


@pytest.mark.django_db
def test_partial_name_with_an_expertise_word(province):
    person = Person.objects.alive().exclude(expertise=[]).filter(name__regex=r"^.{3}$").order_by("id")[7]
    found = Person.objects.alive().search(f"{person.name[0]} {person.expertise[0]}")
    assert person in found
    assert all(p.name.startswith(person.name[0]) for p in found)


@pytest.mark.django_db
def test_people_page_counts_every_bearer_in_scope(province):
    """The count on the page is the number of 张 in scope, not the handful whose names happened to
    segment: the province's and city A's lists against the database."""
    surname, _count = _commonest_surname()
    for username in ("demo-province", "demo-city-a"):
        html = login(username).get("/people/", {"q": surname}).content.decode()
        in_scope = Person.objects.for_user(province["users"][username], "people.view").alive()
        expected = in_scope.filter(name__startswith=surname).count()
        assert expected >= 3
        shown = [int(n.replace(",", "")) for n in re.findall(r"共\s*([\d,]+)\s*条", html)]
        assert shown == [expected], (username, expected, shown)


@pytest.mark.django_db
def test_a_new_person_is_found_by_given_name(province):
    city_a = province["city_a"]
    person = services.create_person(province["users"]["demo-city-a"],
                                    {"name": "祁晟达", "org": city_a, "gender": "M"}, [])
    assert list(Person.objects.alive().search("晟达")) == [person]
    assert person in Person.objects.alive().search("祁")
