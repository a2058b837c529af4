"""Moving an organisation with its subtree (SPEC §2.1): the tree, every denormalised path, every
user's scope and the head counts follow; refusals change nothing and say why in Chinese."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F

from kexie.accounts.models import User
from kexie.accounts.services import grant_role
from kexie.core.audit import log_action
from kexie.core.models import AuditEntry, PiiAccess
from kexie.core.scope import prefix_q
from kexie.core.services import SYSTEM
from kexie.members.models import GroupMembership, LeadershipBody, Membership
from kexie.orgs import services
from kexie.orgs.counts import subtree_people
from kexie.orgs.models import Organisation
from kexie.people.models import Person
from tests.conftest import login


def _county(city: Organisation) -> Organisation:
    return (Organisation.objects.filter(prefix_q("path", [city.path]), depth=city.depth + 1, level="county",
                                        numchild__gt=0).order_by("path").first())


def _other_society(society: Organisation) -> Organisation:
    return (Organisation.objects.filter(kind__code="society", depth=society.depth).exclude(pk=society.pk)
            .order_by("path").first())


def _paths_consistent() -> None:
    """Every denormalised path equals the path of the organisation it copies."""
    assert not Person.objects.exclude(org_path=F("org__path")).exists()
    assert not Membership.objects.exclude(org_path=F("society__path")).exists()
    assert not GroupMembership.objects.exclude(org_path=F("society__path")).exists()
    assert not LeadershipBody.objects.exclude(org_path=F("organisation__path")).exists()


def _state() -> dict:
    return {
        "tree": list(Organisation.objects.order_by("pk").values_list("pk", "path", "depth", "numchild")),
        "people": list(Person.objects.order_by("pk").values_list("pk", "org_path")),
        "members": list(Membership.objects.order_by("pk").values_list("pk", "org_path")),
        "scopes": list(User.objects.order_by("pk").values_list("pk", "scope_cache")),
        "moves": AuditEntry.objects.filter(action="orgs.organisation.moved").count(),
    }


def test_path_columns_cover_every_denormalised_path(db):
    found = {(m._meta.db_table, c) for m, c in services.path_columns()}
    assert {("people_person", "org_path"), ("members_membership", "org_path"),
            ("members_groupmembership", "org_path"), ("members_leadershipbody", "org_path"),
            ("core_auditentry", "scope_path"), ("core_piiaccess", "scope_path")} <= found
    assert not any(table == "orgs_organisation" for table, _ in found)


@pytest.mark.django_db
def test_move_county_to_another_city(province):
    users, a, b, root = province["users"], province["city_a"], province["city_b"], province["root"]
    county = _county(a)
    old_path = county.path
    subtree = dict(Organisation.objects.filter(prefix_q("path", [old_path])).values_list("pk", "path"))
    people = set(Person.objects.filter(org__in=subtree).values_list("pk", flat=True))
    assert len(subtree) > 1 and people
    before = subtree_people([a.path, b.path, root.path])
    moving = subtree_people([old_path])[old_path]
    assert moving > 0
    a_children, b_children = a.numchild, b.numchild
    county_user = User.objects.create(username="county-staff", display_name="县科协工作人员")
    grant_role(SYSTEM, county_user, county, "admin")
    person = Person.objects.filter(org=county).first()
    log_action(users["demo-city-a"], "people.person.changed", person, scope_path=person.org_path)

    moved = services.move(users["demo-province"], county, b)

    # The tree: same subtree, same shape, under city B.
    assert moved.path.startswith(b.path) and moved.depth == county.depth
    assert Organisation.objects.get_parent(moved) == b
    after = dict(Organisation.objects.filter(prefix_q("path", [moved.path])).values_list("pk", "path"))
    assert set(after) == set(subtree)
    assert all(after[pk] == moved.path + path[len(old_path):] for pk, path in subtree.items())
    assert not Organisation.objects.filter(prefix_q("path", [old_path])).exists()
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.numchild, b.numchild) == (a_children - 1, b_children + 1)

    # Denormalised paths, the audit trail's scope included.
    _paths_consistent()
    assert set(Person.objects.filter(prefix_q("org_path", [moved.path])).values_list("pk", flat=True)) == people
    assert AuditEntry.objects.filter(object_id=person.pk, scope_path=moved.path).exists()

    # Scopes: city A lost the county, city B gained it, the county's own staff keep it.
    user_a, user_b = User.objects.get(username="demo-city-a"), User.objects.get(username="demo-city-b")
    assert not Organisation.objects.for_user(user_a).filter(pk__in=subtree).exists()
    assert Organisation.objects.for_user(user_b).filter(pk__in=subtree).count() == len(subtree)
    assert not Person.objects.for_user(user_a).filter(pk__in=people).exists()
    assert Person.objects.for_user(user_b).filter(pk__in=people).count() == len(people)
    county_user.refresh_from_db()
    assert county_user.scope_cache["orgs.view"] == [moved.path]
    assert Person.objects.for_user(county_user).filter(pk__in=people).count() == len(people)
    assert login("demo-city-a").get(f"/orgs/{county.pk}/").status_code == 404
    assert login("demo-city-b").get(f"/orgs/{county.pk}/").status_code == 200

    # Head counts: the subtree's people left A's total and joined B's; the province's is unchanged.
    now = subtree_people([a.path, b.path, root.path])
    assert now[a.path] == before[a.path] - moving
    assert now[b.path] == before[b.path] + moving
    assert now[root.path] == before[root.path]
    assert subtree_people([moved.path])[moved.path] == moving

    entry = AuditEntry.objects.get(action="orgs.organisation.moved", object_id=county.pk)
    assert entry.data["before"] == {"上级组织": a.name, "路径": old_path}
    assert entry.data["after"] == {"上级组织": b.name, "路径": moved.path}
    assert entry.scope_path == moved.path and entry.actor.username == "demo-province"


@pytest.mark.django_db
def test_move_society_carries_memberships_bodies_and_staff(province):
    society = province["society"]
    other = _other_society(society)
    staff = province["users"]["demo-society"]
    members = set(Membership.objects.filter(society=society).values_list("pk", flat=True))
    groups = set(GroupMembership.objects.filter(society=society).values_list("pk", flat=True))
    LeadershipBody.objects.get_or_create(organisation=society, kind="secretariat",
                                         defaults={"org_path": society.path})
    member = Membership.objects.filter(society=society).select_related("person").first()
    PiiAccess.objects.create(user=staff, object_id=member.person_id, field="phone", scope_path=society.path,
                             content_type=ContentType.objects.get_for_model(Person))
    assert members and groups
    visible = Membership.objects.for_user(staff).count()

    moved = services.move(province["users"]["demo-province"], society, other)

    assert moved.path.startswith(other.path)
    _paths_consistent()
    assert set(Membership.objects.filter(prefix_q("org_path", [moved.path])).values_list("pk", flat=True)) == members
    assert set(GroupMembership.objects.filter(prefix_q("org_path", [moved.path]))
               .values_list("pk", flat=True)) == groups
    assert PiiAccess.objects.filter(user=staff, scope_path=moved.path).exists()
    staff.refresh_from_db()
    assert staff.scope_cache["orgs.view"] == [moved.path]
    assert Membership.objects.for_user(staff).count() == visible
    client = login("demo-society")
    assert client.get(f"/members/{member.pk}/").status_code == 200
    assert client.get(f"/people/{member.person_id}/").status_code == 200


@pytest.mark.django_db
def test_move_page_confirms_then_moves_and_shows_the_audit_entry(client_province, province):
    a, b = province["city_a"], province["city_b"]
    county = _county(a)
    html = client_province.get(f"/orgs/{county.pk}/").content.decode()
    assert f"/orgs/{county.pk}/move/" in html

    page = client_province.get(f"/orgs/{county.pk}/move/", {"q": b.name}).content.decode()
    assert f"?target={b.pk}" in page
    partial = client_province.get(f"/orgs/{county.pk}/move/", {"q": b.name}, headers={"HX-Request": "true"})
    assert f"?target={b.pk}" in partial.content.decode() and "<html" not in partial.content.decode()

    confirm = client_province.get(f"/orgs/{county.pk}/move/", {"target": b.pk}).content.decode()
    n_orgs = Organisation.objects.alive().filter(prefix_q("path", [county.path])).count()
    n_people = subtree_people([county.path])[county.path]
    assert f"将把“{county.name}”迁移到“{b.name}”之下：共 {n_orgs} 个组织（含本组织）、{n_people} 名人员随之迁移。" in confirm
    assert Organisation.objects.get(pk=county.pk).path == county.path  # a GET changes nothing

    resp = client_province.post(f"/orgs/{county.pk}/move/", {"target": b.pk})
    assert resp.status_code == 302 and resp["Location"] == f"/orgs/{county.pk}/"
    assert Organisation.objects.get(pk=county.pk).path.startswith(b.path)
    detail = client_province.get(resp["Location"]).content.decode()
    assert f"已将“{county.name}”迁移到“{b.name}”之下。" in detail
    assert "orgs.organisation.moved" in detail
    assert f"{a.name} → {b.name}" in detail


@pytest.mark.django_db
def test_candidates_are_only_in_scope_and_outside_the_subtree(client_a, province):
    a, b = province["city_a"], province["city_b"]
    county = _county(a)
    child = Organisation.objects.filter(prefix_q("path", [county.path]), depth=county.depth + 1).first()
    page = client_a.get(f"/orgs/{county.pk}/move/").content.decode()
    shown = {int(pk) for pk in re.findall(r"\?target=(\d+)", page)}
    assert shown and b.pk not in shown and child.pk not in shown and county.pk not in shown
    assert a.pk not in shown  # the current parent
    assert shown <= set(Organisation.objects.for_user(province["users"]["demo-city-a"], "change")
                        .values_list("pk", flat=True))
    searched = client_a.get(f"/orgs/{county.pk}/move/", {"q": b.name}).content.decode()
    assert "?target=" not in searched and "没有可选的上级组织。" in searched


@pytest.mark.django_db
def test_out_of_scope_target_is_404_and_changes_nothing(client_a, province):
    a, b = province["city_a"], province["city_b"]
    county = _county(a)
    before = _state()
    for resp in (client_a.get(f"/orgs/{county.pk}/move/", {"target": b.pk}),
                 client_a.post(f"/orgs/{county.pk}/move/", {"target": b.pk})):
        assert resp.status_code == 404
        assert b.name not in resp.content.decode()
    with pytest.raises(PermissionDenied, match="您无权在该组织范围内执行此操作"):
        services.move(province["users"]["demo-city-a"], county, b)
    # Nor may city A pull a city-B organisation into its own subtree.
    b_county = _county(b)
    assert client_a.post(f"/orgs/{b_county.pk}/move/", {"target": a.pk}).status_code == 404
    with pytest.raises(PermissionDenied, match="您无权"):
        services.move(province["users"]["demo-city-a"], b_county, a)
    assert _state() == before


@pytest.mark.django_db
def test_move_into_own_subtree_is_refused(client_a, province):
    a = province["city_a"]
    county = _county(a)
    before = _state()
    resp = client_a.post(f"/orgs/{a.pk}/move/", {"target": county.pk})
    assert resp.status_code == 200
    assert "不能把组织迁移到它自身或它的下级组织之下。" in resp.content.decode()
    for target in (county, a):
        with pytest.raises(ValidationError, match="不能把组织迁移到它自身或它的下级组织之下"):
            services.move(province["users"]["demo-city-a"], a, target)
    assert _state() == before


@pytest.mark.django_db
def test_move_root_current_parent_and_deleted_are_refused(client_province, province):
    actor, root, a, b = province["users"]["demo-province"], province["root"], province["city_a"], province["city_b"]
    county = _county(a)
    before = _state()
    resp = client_province.post(f"/orgs/{root.pk}/move/", {"target": a.pk})
    assert resp.status_code == 200 and "不能迁移顶级组织。" in resp.content.decode()
    assert "顶级组织不能迁移。" in client_province.get(f"/orgs/{root.pk}/move/").content.decode()
    with pytest.raises(ValidationError, match="不能迁移顶级组织"):
        services.move(actor, root, a)
    with pytest.raises(ValidationError, match="该组织已在所选上级组织之下"):
        services.move(actor, county, a)
    resp = client_province.post(f"/orgs/{county.pk}/move/", {"target": a.pk})
    assert "该组织已在所选上级组织之下。" in resp.content.decode()
    assert "请选择新的上级组织。" in client_province.post(f"/orgs/{county.pk}/move/").content.decode()
    assert _state() == before

    gone = services.create_organisation(actor, b, {"name": "待撤销科协", "code": "T-MOVE-GONE", "kind": b.kind,
                                                   "level": "county"})
    services.delete_organisation(actor, gone)
    before = _state()
    with pytest.raises(ValidationError, match="上级组织已删除，不能迁移到其下"):
        services.move(actor, county, gone)
    with pytest.raises(ValidationError, match="已删除的组织不能迁移"):
        services.move(actor, gone, a)
    assert client_province.post(f"/orgs/{county.pk}/move/", {"target": gone.pk}).status_code == 404
    assert _state() == before
