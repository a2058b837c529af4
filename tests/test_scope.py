"""Data scope, systematically (SPEC §2.1, §5): every URL pattern of the site and the API is listed
here with how to aim it at a record of city B; a user of city A must get 403/404 (never data) for
details and changes, and lists, exports and searches must hold nothing outside city A's subtree.
A URL pattern missing from the table fails the suite, so new pages cannot skip this check."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from kexie.core.scope import prefix_q
from kexie.members.models import BodyKind, LeadershipBody, Membership
from kexie.orgs.models import Organisation
from kexie.people.models import Person
from tests import scope_cases

# name -> kind. "detail": needs pk of a city-B record (key says which); "list": must show only
# in-scope rows; "own": concerns the caller only; "public": login/logout; "skip:<why>".
TABLE: dict[str, tuple[str, str | None]] = {
    "home": ("list", None),
    "me": ("own", None),
    "me-export": ("own", None),
    "login": ("public", None),
    "logout": ("public", None),
    "set_language": ("public", None),  # the language switcher: sets a cookie, holds no records
    "orgs:tree": ("list", None),
    "orgs:list": ("list", None),
    "orgs:export": ("export", "orgs"),
    "orgs:detail": ("detail", "org"),
    "orgs:children": ("detail", "org"),
    "orgs:edit": ("change", "org"),
    "orgs:create-child": ("change", "org"),
    "orgs:delete": ("change", "org"),
    "orgs:restore": ("change", "org"),
    "orgs:move": ("change", "org"),
    "people:list": ("list", None),
    "people:create": ("list", None),
    "people:export": ("export", "people"),
    "people:detail": ("detail", "person"),
    "people:edit": ("change", "person"),
    "people:reveal": ("change", "person"),
    "people:delete": ("change", "person"),
    "people:restore": ("change", "person"),
    "members:list": ("list", None),
    "members:export": ("export", "members"),
    "members:detail": ("detail", "membership"),
    "members:act": ("change", "membership"),
    "members:groups": ("list", None),
    "members:body": ("detail", "body"),
    "api-schema": ("public", None),
    "api-root": ("list", None),
    "org-list": ("api-list", "org"),
    "org-detail": ("detail", "org"),
    "person-list": ("api-list", "person"),
    "person-detail": ("detail", "person"),
    "membership-list": ("api-list", "membership"),
    "membership-detail": ("detail", "membership"),
    "imports:list": ("list", None),
    "imports:template": ("own", None),
    "imports:detail": ("detail", "batch"),
    "imports:errors": ("detail", "batch"),
    "imports:confirm": ("change", "batch"),
    "imports:rollback": ("change", "batch"),
    "census:page": ("list", None),  # figures only for the caller's scope: tests/test_census.py
    "census:export": ("export", "census"),
    "identity:queue": ("list", None),  # pairs with both people in scope: tests/test_identity_console.py
    "identity:export": ("export", "candidates"),
    "identity:pair": ("detail", "candidate"),
    "identity:merge": ("change", "candidate"),
    "identity:distinct": ("change", "candidate"),
    "identity:merges": ("list", None),
    "identity:undo": ("change", "merge"),
}
TABLE.update(scope_cases.tables())  # later modules keep their entries in tests/scope_cases/<module>.py


def all_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns == "admin":
                continue  # Django admin: superusers only, tested in test_admin_is_for_superusers
            yield from all_patterns(p, prefix + str(p.pattern), (f"{ns}:" if p.namespace else namespace))
        elif isinstance(p, URLPattern):
            name = p.name
            if name and namespace and not namespace.endswith(":"):
                namespace = namespace + ":"
            yield (f"{namespace}{name}" if name else None), prefix + str(p.pattern), p


def test_every_url_pattern_is_in_the_scope_table():
    unknown = sorted({name or route for name, route, _ in all_patterns() if (name or route) not in TABLE})
    assert not unknown, f"URL patterns without a scope check: {unknown} — add them to TABLE"


@pytest.fixture
def b_records(province):
    b = province["city_b"]
    org = Organisation.objects.filter(prefix_q("path", [b.path]), depth=b.depth + 1).first()
    person = Person.objects.filter(prefix_q("org_path", [b.path])).exclude(memberships__isnull=False).first()
    person = person or Person.objects.filter(prefix_q("org_path", [b.path])).first()
    membership = Membership.objects.exclude(prefix_q("org_path", [province["city_a"].path])).first()
    body = LeadershipBody.objects.create(organisation=b, org_path=b.path, kind=BodyKind.COUNCIL)
    from kexie.imports.models import ImportBatch

    batch = ImportBatch.objects.create(kind="people", file_name="city-b.xlsx", organisation=b, org_path=b.path,
                                       actor=province["users"]["demo-city-b"], status="checked", dry_run=True,
                                       error_file="imports/errors/none.xlsx")
    from kexie.identity.models import MatchCandidate, Merge

    p1, p2 = Person.objects.filter(prefix_q("org_path", [b.path])).exclude(pk=person.pk).order_by("pk")[:2]
    candidate = MatchCandidate.objects.create(person_a=p1, person_b=p2, score=0.9, evidence={})
    merge = Merge.objects.create(survivor=p1, merged=p2, candidate=candidate)
    records = {"org": org, "person": person, "membership": membership, "body": body, "batch": batch,
               "candidate": candidate, "merge": merge}
    for build in scope_cases.record_builders():
        records.update(build(province))
    return records


def _url(route: str, pk: int) -> str:
    url = "/" + route
    for token in ("(?P<pk>[^/.]+)", "<int:pk>", "<pk>"):
        url = url.replace(token, str(pk))
    url = url.replace("<str:field>", "id_number").replace("<str:action>", "approve")
    return url.replace("^", "").replace("$", "").replace("\\.(?P<format>[a-z0-9]+)/?", ".json")


@pytest.mark.django_db
def test_city_a_cannot_read_or_change_city_b_records(client_a, b_records):
    checked = 0
    for name, route, _ in all_patterns():
        kind, key = TABLE[name]
        if kind not in {"detail", "change"}:
            continue
        obj = b_records[key]
        url = _url(route, obj.pk)
        if route.startswith("api/"):
            url = url if url.startswith("/api/v1/") else "/api/v1/" + url.split("api/v1/")[-1]
        before = _state(obj)
        for method in ("get", "post"):
            resp = getattr(client_a, method)(url)
            assert resp.status_code in (403, 404, 405), f"{method.upper()} {url} ({name}) → {resp.status_code}"
            if resp.status_code != 405:
                body = resp.content.decode()
                assert getattr(obj, "name", "\u0000") not in body or name in {"members:body"}, (url, method)
        assert _state(obj) == before, f"{name} changed a city-B record"
        checked += 1
    assert checked >= 15


def _state(obj):
    fresh = type(obj).objects.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields if f.attname != "updated_at"}


@pytest.mark.django_db
def test_lists_and_searches_hold_only_city_a(client_a, province):
    a, b = province["city_a"], province["city_b"]
    user_a = province["users"]["demo-city-a"]
    b_people = Person.objects.filter(prefix_q("org_path", [b.path]))
    b_person = b_people.exclude(pk__in=Person.objects.for_user(user_a)).first()
    keyword = b_person.expertise[0]
    pages = ["/", "/orgs/", "/orgs/list/", "/people/", f"/people/?q={keyword}", f"/people/?q={b_person.name}",
             "/members/", "/members/groups/", f"/people/?org={b.pk}", f"/orgs/list/?q={b.name[:2]}"]
    for url in pages:
        resp = client_a.get(url)
        assert resp.status_code == 200, url
        html = resp.content.decode()
        assert f"/people/{b_person.pk}/" not in html, url
        assert b.name not in html, url
    assert a.name in client_a.get("/orgs/").content.decode()
    # The org filter aimed at city B matches nothing rather than city B's people.
    assert "没有符合条件的人员" in client_a.get(f"/people/?org={b.pk}").content.decode()
    assert client_a.get(f"/orgs/list/?under={b.pk}").status_code == 404


def _xlsx_rows(resp):
    content = b"".join(resp.streaming_content) if resp.streaming else resp.content
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    return rows[0], rows[1:]


@pytest.mark.django_db
def test_exports_hold_only_city_a(client_a, province):
    user_a = province["users"]["demo-city-a"]
    header, rows = _xlsx_rows(client_a.get("/orgs/export/"))
    codes = {r[0] for r in rows}
    assert codes == set(Organisation.objects.for_user(user_a, "export").alive().values_list("code", flat=True))
    assert province["city_b"].code not in codes

    header, rows = _xlsx_rows(client_a.get("/people/export/"))
    allowed = Person.objects.for_user(user_a, "export").alive()
    assert len(rows) == allowed.count() > 0
    outside = Person.objects.alive().exclude(pk__in=allowed)
    names_dates = {(r[0], r[2].date() if r[2] else None) for r in rows}
    allowed_pairs = set(allowed.values_list("name", "birth_date"))
    assert names_dates <= allowed_pairs
    assert outside.exists()

    header, rows = _xlsx_rows(client_a.get("/members/export/"))
    assert len(rows) == Membership.objects.for_user(user_a, "export").filter(deleted_at__isnull=True).count()


@pytest.mark.django_db
def test_api_lists_and_search_hold_only_city_a(client_a, province):
    user_a = province["users"]["demo-city-a"]
    allowed_people = set(Person.objects.for_user(user_a).alive().values_list("pk", flat=True))
    allowed_orgs = set(Organisation.objects.for_user(user_a).alive().values_list("pk", flat=True))
    b_person = Person.objects.filter(prefix_q("org_path", [province["city_b"].path])).first()
    for url, allowed in [
        ("/api/v1/people/?page_size=500", allowed_people),
        (f"/api/v1/people/?q={b_person.expertise[0]}&page_size=500", allowed_people),
        ("/api/v1/orgs/?page_size=500", allowed_orgs),
        ("/api/v1/memberships/?page_size=500", set()),
    ]:
        data = client_a.get(url).json()
        ids = {r["id"] for r in data["results"]}
        assert ids <= allowed, url
        assert data["count"] == len(ids) or data["next"], url


@pytest.mark.django_db
def test_city_b_sees_its_own_records(client_b, b_records):
    assert client_b.get(f"/orgs/{b_records['org'].pk}/").status_code == 200
    assert client_b.get(f"/people/{b_records['person'].pk}/").status_code == 200
    assert client_b.get(f"/api/v1/people/{b_records['person'].pk}/").status_code == 200


@pytest.mark.django_db
def test_society_staff_see_their_members_wherever_they_work(province):
    from tests.conftest import login

    society = province["society"]
    client = login("demo-society")
    member = Membership.objects.filter(society=society).select_related("person").first()
    assert client.get(f"/people/{member.person_id}/").status_code == 200
    assert client.get(f"/members/{member.pk}/").status_code == 200
    other = Membership.objects.exclude(prefix_q("org_path", [society.path])).first()
    assert client.get(f"/members/{other.pk}/").status_code == 404


@pytest.mark.django_db
def test_no_role_no_data(province):
    from tests.conftest import login

    client = login("demo-volunteer")
    assert client.get("/api/v1/people/").json()["count"] == 0
    assert "没有符合条件的人员" in client.get("/people/").content.decode()
    some = Person.objects.exclude(user__username="demo-volunteer").first()
    assert client.get(f"/people/{some.pk}/").status_code == 404


@pytest.mark.django_db
def test_anonymous_gets_login_or_401(client, province):
    person = Person.objects.first()
    assert client.get(f"/people/{person.pk}/").status_code == 302
    assert client.get("/people/export/").status_code == 302
    assert client.get("/api/v1/people/").status_code in (401, 403)


@pytest.mark.django_db
def test_admin_is_for_superusers(client_province):
    resp = client_province.get("/admin/")
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]


@pytest.mark.django_db
def test_group_members_are_scoped_to_the_society(province, client_a):
    from kexie.members.models import GroupMembership
    from tests.conftest import login

    society = province["society"]
    mine = GroupMembership.objects.filter(society=society)
    others = GroupMembership.objects.exclude(prefix_q("org_path", [society.path]))
    assert mine.exists() and others.exists()
    html = login("demo-society").get("/members/groups/").content.decode()
    assert all(f"/orgs/{g.member_id}/" in html for g in mine[:5])
    assert society.name in html
    assert "暂无单位会员" in client_a.get("/members/groups/").content.decode()
