"""Module actions (decision 0025): each app declares its actions, roles bundle them, the scope cache is keyed by
them, and a role holding one module's actions reaches that module and no other."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kexie.accounts.models import Role, User
from kexie.accounts.services import compute_scope, grant_role, rebuild_stale_scopes
from kexie.core import permissions
from kexie.core.registry import menu_for
from kexie.core.scope import ACTIONS_VERSION, scope_paths
from kexie.core.services import SYSTEM, require
from tests.conftest import login


def test_every_module_declares_its_actions_with_a_bundle():
    declared = permissions.all_actions()
    for code in ("people.view", "people.change", "people.pii", "orgs.view", "members.change", "calls.change",
                 "reports.view", "evaluation.manage", "accounts.manage", "innovation.view", "imports.change"):
        assert code in declared, code
    assert declared["people.pii"].bundle == "view_pii" and declared["accounts.manage"].bundle == "manage"
    # indicator systems have their own action, no longer "manage users and roles"
    assert declared["evaluation.manage"].label != declared["accounts.manage"].label


def test_expand_reads_codes_wildcards_and_bundles():
    expand = permissions.expand
    assert expand(["people.view"]) == {"people.view"}
    assert expand(["people.*"]) == {"people.view", "people.change", "people.export", "people.pii"}
    assert "people.view" in expand(["*.view"]) and "calls.change" not in expand(["*.view"])
    assert expand(["view"]) == {c for c, a in permissions.all_actions().items() if a.bundle == "view"}
    assert expand(["*"]) == set(permissions.all_actions())
    assert expand(["nosuchmodule.view", "bogus"]) == set()


def test_unknown_actions_fail_loudly():
    with pytest.raises(ValueError):
        permissions.resolve("people.fly")
    with pytest.raises(ValueError):
        scope_paths(User(username="x"), "peple.view")
    with pytest.raises(ValueError):
        permissions.Action("noverb", "x")
    with pytest.raises(ValueError):  # the five first actions are bundles for roles, not checks
        scope_paths(User(username="x"), "change")


@pytest.mark.django_db
def test_a_role_of_one_module_reaches_that_module_only(province):
    clerk = User.objects.create_user("people-clerk", password="x")
    Role.objects.create(code="people-clerk", name="人员管理员", actions=["people.view", "people.change", "orgs.view"])
    grant_role(SYSTEM, clerk, province["city_a"], "people-clerk")
    clerk.refresh_from_db()
    city = province["city_a"].path
    assert clerk.scope_cache["people.view"] == [city] and "members.view" not in clerk.scope_cache
    assert clerk.scope_cache[ACTIONS_VERSION] == permissions.fingerprint()
    require(clerk, "people.change", city + "0001")
    with pytest.raises(PermissionDenied):
        require(clerk, "members.change", city)
    # the menu follows the module actions; pages of other modules refuse
    names = [e.url_name for e in menu_for(clerk)]
    assert "people:list" in names and "orgs:tree" in names
    assert "members:list" not in names and "imports:list" not in names and "reports:list" not in names
    client = login("people-clerk")
    assert client.get(reverse("people:list")).status_code == 200
    # a bare verb on a queryset is the model's module action
    from kexie.members.models import Membership
    from kexie.people.models import Person

    assert Person.objects.for_user(clerk, "view").exists()
    assert not Membership.objects.for_user(clerk, "view").exists()


@pytest.mark.django_db
def test_generic_roles_keep_their_meaning(province):
    """管理员 / 工作人员 / 只读 name bundles: every module's actions of that bundle, as before."""
    admin = province["users"]["demo-city-a"]
    scope = compute_scope(admin)
    for code in ("people.view", "people.change", "people.pii", "calls.change", "accounts.manage", "orgs.export"):
        assert scope[code] == [province["city_a"].path], code


@pytest.mark.django_db
def test_nobody_hands_out_module_actions_they_do_not_hold(province):
    manager = User.objects.create_user("module-manager", password="x")
    Role.objects.create(code="people-manager", name="人员与账号", actions=["people.*", "accounts.manage"])
    Role.objects.create(code="calls-clerk", name="申报", actions=["calls.view", "calls.change"])
    grant_role(SYSTEM, manager, province["city_a"], "people-manager")
    manager.refresh_from_db()
    newcomer = User.objects.create_user("module-newcomer", password="x")
    grant_role(manager, newcomer, province["city_a"], "people-manager")  # holds all of it: allowed
    with pytest.raises(PermissionDenied):
        grant_role(manager, newcomer, province["city_a"], "calls-clerk")


@pytest.mark.django_db
def test_stale_caches_are_rebuilt_when_the_actions_change(province):
    user = province["users"]["demo-city-a"]
    User.objects.filter(pk=user.pk).update(scope_cache={"view": ["stale"], ACTIONS_VERSION: "old"})
    assert rebuild_stale_scopes() >= 1
    user.refresh_from_db()
    assert user.scope_cache == compute_scope(user)
    assert rebuild_stale_scopes() == 0  # nothing stale any more


def test_every_action_the_code_checks_is_declared():
    """A check names a declared module action: `require(actor, "identity.export", …)` for an action no module
    declares would answer with a server error at run time, not at review."""
    from pathlib import Path

    import kexie

    calls = re.compile(r"(?:require|require_owner|user_can|scope_paths|for_user|get_in_scope|managed_by|users_at|"
                       r"_\w+)\([^()]*?\"([a-z_]+\.[a-z_]+)\"")
    declared = set(permissions.all_actions())
    unknown = []
    for path in Path(kexie.__file__).parent.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        unknown += [f"{path.name}: {code}" for code in calls.findall(text)
                    if code.split(".")[0] in {a.module for a in permissions.all_actions().values()}
                    and code not in declared]
    assert not unknown, unknown
