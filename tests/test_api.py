import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from kexie.people.models import Person


@pytest.mark.django_db
def test_token_auth_pagination_and_masking(province, capsys):
    call_command("token", "create", "demo-city-a")
    token = capsys.readouterr().out.strip()
    assert len(token) == 40
    api = APIClient()
    assert api.get("/api/v1/people/").status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    data = api.get("/api/v1/people/?page_size=10").json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["previous"] is None and "page=2" in data["next"]
    assert len(data["results"]) == 10
    for row in data["results"]:
        full = Person.objects.get(pk=row["id"])
        if full.id_number:
            assert row["id_number"] != full.id_number and "*" in row["id_number"]
        if full.phone:
            assert "*" in row["phone"]


@pytest.mark.django_db
def test_openapi_document(client_province):
    resp = client_province.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "/api/v1/people/" in text and "/api/v1/orgs/" in text and "/api/v1/memberships/" in text


@pytest.mark.django_db
def test_api_filters(client_province):
    data = client_province.get("/api/v1/people/?gender=F&page_size=50").json()
    assert data["count"] == Person.objects.alive().filter(gender="F").count()
    assert all(r["gender"] == "F" for r in data["results"])


def test_token_command_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="不存在"):
        call_command("token", "create", "nobody")


@pytest.mark.django_db
def test_org_parent_is_an_id(client_a, province):
    city = province["city_a"]
    rows = client_a.get("/api/v1/orgs/?page_size=500").json()["results"]
    by_id = {r["id"]: r for r in rows}
    assert by_id[city.pk]["parent"] == province["root"].pk
    children = [r for r in rows if r["parent"] == city.pk]
    assert len(children) == city.numchild
