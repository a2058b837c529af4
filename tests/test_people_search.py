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


def _rows(qs) -> tuple[int, list[int]]:
    """What the people page shows of a search: the capped count and the first page, newest first."""
    return qs.count(), list(qs.values_list("id", flat=True)[:50])


@pytest.mark.django_db
@pytest.mark.parametrize("plan", ["walk", "sort"])
def test_both_plans_return_the_same_rows(province, monkeypatch, plan):
    """PostgreSQL walks the primary key for a dense term and sorts the GIN matches for a rare one; whichever
    it picks, a search shows the same people in the same order (on SQLite the plan is never consulted)."""
    from kexie.people import models as people_models

    surname, _count = _commonest_surname()
    person = Person.objects.alive().exclude(expertise=[]).filter(name__regex=r"^.{3}$").order_by("id")[5]
    queries = [surname, person.name[1:], person.name, person.expertise[0], f"{surname} {person.expertise[0]}",
               "晟达", "没有这个词"]
    expected = {}
    for q in queries:
        monkeypatch.setattr(people_models, "search_plan", lambda query: "sort")
        expected[q] = _rows(Person.objects.alive().search(q))
    monkeypatch.setattr(people_models, "search_plan", lambda query: plan)
    for q in queries:
        got = _rows(Person.objects.alive().search(q))
        assert got == expected[q], q
        assert got[1] == sorted(got[1], reverse=True)
    surname_ids = _rows(Person.objects.alive().search(surname))[1]
    assert surname_ids and all(n.startswith(surname)
                               for n in Person.objects.filter(id__in=surname_ids).values_list("name", flat=True))
    assert Person.objects.alive().search(person.name[1:]).filter(id=person.id).exists()


@pytest.mark.django_db
def test_plan_follows_the_term_frequency(province):
    """A surname borne by several per cent of the people is dense, a given name is rare, and so is a word the
    statistics have never seen — read from the column's planner statistics (PostgreSQL only)."""
    from django.db import connection

    from kexie.people.models import DENSE_SHARE, lexeme_frequencies, search_plan

    if connection.vendor != "postgresql":
        pytest.skip("the plan is chosen on PostgreSQL only")
    with connection.cursor() as cur:
        cur.execute("ANALYZE people_person")
    freqs = lexeme_frequencies(refresh=True)
    surname, count = _commonest_surname()
    assert count / Person.objects.count() >= DENSE_SHARE
    assert freqs.get(surname, 0) >= DENSE_SHARE
    assert search_plan(surname) == "walk"
    person = Person.objects.alive().filter(name__regex=r"^.{3}$").order_by("id")[3]
    assert search_plan(person.name) == "sort"
    assert search_plan("没有这个词") == "sort"
    # a rare word beside a dense one narrows the search: the sorted plan
    assert search_plan(f"{surname} 没有这个词") == "sort"


@pytest.mark.django_db
def test_postgresql_searches_the_stored_vector(province):
    """The GIN index sits on the stored generated column (no expression index left), a renamed person is found
    by the new name at once, and bulk loads (the seed's COPY) filled the column for everyone."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL column")
    with connection.cursor() as cur:
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'people_person' "
                    "AND indexdef ILIKE '%%gin%%'")
        gin = dict(cur.fetchall())
        cur.execute("SELECT count(*) FROM people_person WHERE search_vector IS NULL OR search_vector = ''::tsvector")
        empty = cur.fetchone()[0]
    assert list(gin) == ["people_person_search_vector_gin"], gin
    assert "(search_vector)" in gin["people_person_search_vector_gin"]
    assert empty == 0
    assert "search_vector" in str(Person.objects.search("张").query)
    person = Person.objects.alive().filter(org=province["city_a"]).order_by("id").first()
    assert not Person.objects.alive().search("鹬翀").exists()
    services.update_person(province["users"]["demo-city-a"], person, {"name": "闵鹬翀"})
    assert list(Person.objects.alive().search("鹬翀")) == [person]
