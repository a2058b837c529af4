"""Shared fixtures: one tiny province seeded per test database, the demo users, clients."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

SEED = 7
SEED_TODAY = dt.date.today()  # the seed and the demo-command test use one date: neither straddles midnight


@pytest.fixture(scope="session", autouse=True)
def _expected_vendor():
    """A run that was meant for PostgreSQL must not quietly fall back to SQLite."""
    expected = os.environ.get("KEXIE_EXPECT_VENDOR")
    if expected and connection.vendor != expected:
        pytest.exit(f"expected the {expected} backend, got {connection.vendor}", returncode=3)


@pytest.fixture(scope="session", autouse=True)
def _match_dir(tmp_path_factory):
    """Each test process builds its own expert-matching index from its own test database."""
    from django.conf import settings

    settings.KEXIE_MATCH_DIR = str(tmp_path_factory.mktemp("match"))


def seed_tiny() -> None:
    from kexie.orgs.models import Organisation

    if not Organisation.objects.exists():
        call_command("seed", scale="tiny", seed=SEED, today=SEED_TODAY, verbosity=0,
                     stdout=open(os.devnull, "w"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seed_tiny()


@pytest.fixture
def province(db):
    """The seeded province: root, cities A and B, a society, users by name."""
    from kexie.accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    a = users["demo-city-a"].assignments.get().organisation
    b = users["demo-city-b"].assignments.get().organisation
    society = users["demo-society"].assignments.get().organisation
    return {"users": users, "city_a": a, "city_b": b, "society": society,
            "root": users["demo-province"].assignments.get().organisation}


def login(username: str) -> Client:
    from kexie.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def client_a(province) -> Client:
    return login("demo-city-a")


@pytest.fixture
def client_b(province) -> Client:
    return login("demo-city-b")


@pytest.fixture
def client_province(province) -> Client:
    return login("demo-province")
