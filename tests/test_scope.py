"""Data scope, systematically (SPEC §2.1, §5): every URL pattern of the site and the API is listed
here with how to aim it at a record of city B; a user of city A must get 403/404 (never data) for
details and changes, and lists, exports and searches must hold nothing outside city A's subtree.
A URL pattern missing from the table fails the suite, so new pages cannot skip this check."""

from __future__ import annotations

import io
import re
from typing import Any
from unittest import mock

import openpyxl
import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from kexie.core.scope import prefix_q
from kexie.members.models import BodyKind, LeadershipBody, Membership
from kexie.orgs.models import Organisation
from kexie.people.models import Person
from tests import scope_cases

# name -> (kind, record key). "detail" / "change": aimed at the city-B record the key names — city A gets
# 403/404/405 and nothing of the record, the record's own user opens every "detail" page; "list" / "export" /
# "api-list": no address, and city A's answer holds no city-B record of any module (for "api-list", no id of
# the keyed model either), in a bounded number of queries; "own": concerns the caller only; "public": no
# records of an organisation.
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
    society_b = Organisation.objects.filter(prefix_q("path", [b.path]), kind__code="society").first() or b
    membership = Membership.objects.create(person=person, society=society_b, org_path=society_b.path,
                                           number="B-SCOPE-0001", status="current")
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


# Which part of the site a URL name belongs to: its tests/scope_cases module, else its namespace ("api" for the
# REST API of the first modules, "home" for the top-level pages). Each part is one parametrized case of every
# generic test below, so xdist spreads them over its workers.
GROUP: dict[str, str] = {
    name: name.split(":")[0] if ":" in name else ("api" if name.startswith("api-") or name.endswith(("-list", "-detail"))
                                                  else "home")
    for name in TABLE
}
GROUP.update(scope_cases.groups())
OWNERS = scope_cases.owners()  # record key -> the demo user whose own record it is (default demo-city-b)
OWN_PAGES = scope_cases.own_pages()  # URL name -> (status, text the page shows) where the owner's GET is no 200
OWNER_NAMES_SHOWN = scope_cases.public_lists()  # lists of public records that name their owner organisation
QUERY_CEILING = 40  # queries for one list page of the widest scope; exceptions in scope_cases QUERY_CEILINGS
QUERY_CEILINGS = scope_cases.query_ceilings()
LIST_KINDS = {"list", "export", "api-list"}
MIN_TEXT = 4  # shorter names (most people's) are found by their detail links only


def _routes() -> dict[str, list[str]]:
    routes: dict[str, list[str]] = {}
    for name, route, _ in all_patterns():
        if name in TABLE and "(?P<format>" not in route and "<drf_format_suffix" not in route:
            routes.setdefault(name, []).append(route)
    return routes


ROUTES = _routes()


def _groups(kinds: set[str]) -> list[str]:
    return sorted({GROUP[name] for name, (kind, _) in TABLE.items() if kind in kinds and name in ROUTES})


def _entries(group: str, kinds: set[str]):
    for name in sorted(ROUTES):
        kind, key = TABLE[name]
        if GROUP[name] == group and kind in kinds:
            yield name, kind, key, ROUTES[name][0]


def _address(route: str, pk: int) -> str:
    url = _url(route, pk)
    return "/api/v1/" + url.split("api/v1/")[-1] if route.startswith("api/") else url


def _in_city_b(obj, city_b) -> bool:
    """The record lies in city B's subtree by the model's own scope mapping (not by what city A is shown)."""
    model = type(obj)
    scope_q, field = getattr(model, "scope_q", None), getattr(model, "scope_path_field", None)
    if scope_q is None and not isinstance(field, str):
        return False
    q = scope_q([city_b.path]) if scope_q is not None else prefix_q(field, [city_b.path])
    return model._default_manager.filter(q, pk=obj.pk).exists()


def _distinctive(obj, field: str, value: object) -> bool:
    """A text that names this record and nothing else: long enough, and no other row of the model holds it."""
    if not isinstance(value, str) or len(value) < MIN_TEXT or (value.isdigit() and len(value) < 8):
        return False
    model = type(obj)
    if field != "__str__":
        if field not in {f.name for f in model._meta.concrete_fields}:
            return False  # a property, not a column: no way to tell whether other rows share it
        return not model._default_manager.filter(**{f"{field}__contains": value}).exclude(pk=obj.pk).exists()
    if "object (" in value or model._default_manager.count() > 500:
        return False
    return not any(value in str(o) for o in model._default_manager.exclude(pk=obj.pk))


def _texts(obj) -> list[str]:
    texts = [getattr(obj, f) for f in ("name", "title", "code") if _distinctive(obj, f, getattr(obj, f, None))]
    if not texts and _distinctive(obj, "__str__", str(obj)):
        texts.append(str(obj))
    return texts


def _links(key: str, pk: int) -> list[str]:
    """Addresses of the record's own pages (its detail and change entries), e.g. ``/people/12/``."""
    links = set()
    for name, (kind, k) in TABLE.items():
        if k == key and kind in {"detail", "change"}:
            links.update(_address(route, pk) for route in ROUTES.get(name, []))
    # A page's longer addresses start with a shorter one (/orgs/5/ and /orgs/5/edit/): keep the shortest.
    return sorted(u for u in links if not any(o != u and u.startswith(o) for o in links))


def _link_pattern(links: list[str]) -> re.Pattern[str] | None:
    """A link as an attribute value or an absolute API URL — not inside a longer path (/api/v1/orgs/5/ is not
    /orgs/5/, /orgs/15/ is not /orgs/5/)."""
    if not links:
        return None
    return re.compile(r"(?:(?<![\w/.\-])|(?<=//testserver))(?:" + "|".join(map(re.escape, links)) + ")")


def _needles(b_records, province) -> list[tuple[str, Any, list[str], re.Pattern[str] | None]]:
    """For every city-B record: (key, record, distinctive texts, link pattern). Every record has something to
    look for, so the leak checks cannot pass by not looking."""
    out = []
    for key, obj in sorted(b_records.items()):
        if not _in_city_b(obj, province["city_b"]):
            continue  # province-wide data (the compliance rules) or a user's account: not a city-B record
        texts, pattern = _texts(obj), _link_pattern(_links(key, obj.pk))
        assert texts or pattern, f"{key}: no distinctive text and no page of its own to look for"
        out.append((key, obj, texts, pattern))
    return out


def _body_text(resp) -> str:
    content = b"".join(resp.streaming_content) if resp.streaming else resp.content
    if resp.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join("\t".join("" if v is None else str(v) for v in row)
                         for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    return content.decode(errors="replace")


@pytest.mark.django_db
@pytest.mark.parametrize("group", _groups({"detail", "change"}))
def test_city_a_cannot_read_or_change_city_b_records(group, client_a, b_records, province):
    probes = 0
    for name, _kind, key, route in _entries(group, {"detail", "change"}):
        obj = b_records[key]
        texts = _texts(obj)
        url = _address(route, obj.pk)
        before = _state(obj)
        for method in ("get", "post"):
            resp = getattr(client_a, method)(url)
            assert resp.status_code in (403, 404, 405), f"{method.upper()} {url} ({name}) → {resp.status_code}"
            if resp.status_code != 405:
                body = _body_text(resp)
                shown = [t for t in texts if t in body]
                assert not shown, f"{method.upper()} {url} ({name}) shows {shown}"
            probes += 1 + len(texts)
        assert _state(obj) == before, f"{name} changed a city-B record"
    print(f"scope probes {group} detail/change: {probes}")
    assert probes > 0


@pytest.mark.django_db
@pytest.mark.parametrize("group", _groups(LIST_KINDS))
def test_lists_exports_and_api_lists_hold_no_city_b_record(group, client_a, b_records, province):
    """Every list, export and API list as city A, against every city-B record of every module: no detail link,
    no distinctive text (exports: no cell), no id in an API list."""
    needles = _needles(b_records, province)
    probes = 0
    for name, kind, key, route in _entries(group, LIST_KINDS):
        assert "<" not in route and "(?P" not in route, f"{name}: a list entry needs no record"
        url = _address(route, 0)
        resp = client_a.get(url)
        assert resp.status_code in (200, 302, 403), f"{url} ({name}) → {resp.status_code}"
        if resp.status_code != 200:
            continue
        body = _body_text(resp)
        for rkey, obj, texts, pattern in needles:
            if name in OWNER_NAMES_SHOWN and isinstance(obj, Organisation):
                texts = []  # a public record of city B names its owner; links to the owner are still a leak
            shown = [t for t in texts if t in body]
            if pattern is not None and (m := pattern.search(body)):
                shown.append(m.group(0))
            assert not shown, f"{url} ({name}) shows city B's {rkey}: {shown}"
            probes += len(texts) + (pattern is not None)
        if kind == "api-list" and key:
            model = type(b_records[key])
            ids = {r["id"] for r in resp.json()["results"]}
            b_ids = {obj.pk for _, obj, _, _ in needles if type(obj) is model}
            assert not ids & b_ids, f"{url} ({name}) lists city-B ids {ids & b_ids}"
            probes += len(b_ids)
    print(f"scope probes {group} lists: {probes}")
    assert probes > 0


@pytest.mark.django_db
@pytest.mark.parametrize("group", _groups({"detail", "change"}))
def test_an_allowed_user_can_open_their_own_pages(group, b_records, province):
    """The 404s above are scope, not broken addresses: the record's own user opens every detail page of it (200),
    and every change page of it answers them with its form, a redirect or "POST only" — not 403/404."""
    from tests.conftest import login

    clients: dict[str, Client] = {}
    probes = 0
    for name, kind, key, route in _entries(group, {"detail", "change"}):
        obj = b_records[key]
        username = OWNERS.get(key, "demo-city-b")
        client = clients.setdefault(username, login(username))
        url = _address(route, obj.pk)
        expected, shows = OWN_PAGES.get(name, (200, ""))
        resp = client.get(url)
        if kind == "change" and name not in OWN_PAGES:
            assert resp.status_code in (200, 302, 405), f"{username}: GET {url} ({name}) → {resp.status_code}"
            probes += 1
            continue
        assert resp.status_code == expected, f"{username}: GET {url} ({name}) → {resp.status_code}, not {expected}"
        # A documented 404 (no such attachment) is not the scope's "not found": the record itself was found.
        assert shows in _body_text(resp), f"{username}: GET {url} ({name}) does not say {shows!r}"
        probes += 1
    print(f"scope probes {group} own pages: {probes}")


@pytest.mark.django_db
def test_the_leak_check_finds_records_without_a_name(b_records, province):
    """A record with no ``name`` (a membership, a dispatch) is still looked for: by its own pages' addresses,
    which match where they are linked and not inside another record's address."""
    needles = {key: (texts, pattern) for key, _obj, texts, pattern in _needles(b_records, province)}
    membership = b_records["membership"]
    assert not hasattr(membership, "name") and "membership" in needles
    _texts_, pattern = needles["membership"]
    assert pattern is not None
    assert pattern.search(f'<a href="/members/{membership.pk}/">')
    assert pattern.search(f'"url": "http://testserver/api/v1/memberships/{membership.pk}/"')
    assert not pattern.search(f'<a href="/members/{membership.pk}0/">')
    assert not pattern.search(f'<a href="/x/members/{membership.pk}/">')
    texts, _pattern = needles["need"]
    assert b_records["need"].title in texts  # a need has a title, not a name


def _queries(client: Client, url: str, per_page: int | None = None) -> tuple[int, list[str]]:
    """The queries of one GET (the body read to its end: exports stream); ``per_page`` shrinks every page of
    Django's paginator (the site's lists and the API's) to that many rows."""
    init = Paginator.__init__

    def shrunk(self, object_list, _per_page, *args, **kwargs):
        init(self, object_list, per_page, *args, **kwargs)

    with CaptureQueriesContext(connection) as ctx, mock.patch.object(
            Paginator, "__init__", shrunk if per_page else init):
        resp = client.get(url)
        _body_text(resp)
    assert resp.status_code == 200, f"{url} → {resp.status_code}"
    return len(ctx), [q["sql"][:300] for q in ctx.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize("group", _groups(LIST_KINDS))
def test_list_pages_make_a_bounded_number_of_queries(group, client_province, b_records):
    """The widest scope on every list, export and API list, with every module's city-B records added: under
    the ceiling, and a page of one row costs what a full page costs — a page whose queries grow with its rows
    (N+1) fails here."""
    probes = 0
    for name, kind, _key, route in _entries(group, LIST_KINDS):
        url = _address(route, 0)
        full, sql = _queries(client_province, url)
        ceiling = QUERY_CEILINGS.get(name, (QUERY_CEILING, ""))[0]
        assert full <= ceiling, f"{url} ({name}): {full} queries, ceiling {ceiling}\n" + "\n".join(sql)
        probes += 1
        if kind != "export":  # exports are not paginated: the ceiling is their guard
            one, _ = _queries(client_province, url, per_page=1)
            full, sql = _queries(client_province, url)
            assert full <= one, f"{url} ({name}): {full} queries for a full page, {one} for one row\n" + "\n".join(
                sql)
            probes += 1
    print(f"scope probes {group} queries: {probes}")


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
