"""The users-and-roles page (/accounts/users/): an administrator creates staff accounts, grants and revokes roles,
deactivates and reactivates accounts — only inside the subtree where they hold ``manage``; every change audited,
the scope cache rebuilt. City A's administrator (demo-city-a) grants in city A, never in city B or at the
province."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client

from kexie.accounts import services
from kexie.accounts.models import Role, RoleAssignment, User
from kexie.accounts.roles import DEPARTMENT_ROLES
from kexie.core.models import AuditEntry
from kexie.core.permissions import all_actions
from kexie.core.scope import prefix_q, scope_paths
from kexie.core.services import SYSTEM
from kexie.orgs.models import Organisation
from tests.conftest import login


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login throttles count in the cache, which outlives a test's database transaction."""
    cache.clear()
    yield
    cache.clear()


def _county(city) -> Organisation:
    return (Organisation.objects.filter(prefix_q("path", [city.path]), depth=city.depth + 1, level="county")
            .alive().order_by("path").first())


def _clerk(province, username: str = "a-clerk", role: str = "staff") -> User:
    user = User.objects.create_user(username, password="Clerk-2026-start", display_name="县科协文员")
    services.grant_role(SYSTEM, user, _county(province["city_a"]), role)
    return user


def _form(org, role: str, **extra) -> dict:
    data = {"username": "new-clerk", "display_name": "新文员", "email": "clerk@example.cn",
            "organisation": str(org.pk), "role": role}
    data.update(extra)
    return data


@pytest.mark.django_db
def test_department_roles_ship_with_least_privilege():
    roles = {r.code: r for r in Role.objects.all()}
    for code, name, actions, _description in DEPARTMENT_ROLES:
        assert roles[code].name == name and roles[code].actions == actions
        assert "accounts.manage" not in roles[code].granted()  # only the administrator manages accounts
    # module actions (decision 0025): each department reaches its modules and nothing else
    assert roles["dept_office"].granted() == {c for c in all_actions() if c.endswith(".view")}
    assert "people.pii" in roles["dept_personnel"].granted() and "calls.change" not in roles["dept_personnel"].granted()
    assert "people.pii" not in roles["dept_office"].granted() | roles["dept_societies"].granted()
    assert "innovation.change" in roles["dept_international"].granted()
    assert {c for c in roles["dept_popsci"].granted() if not c.endswith(".view")} == {  # 数字科普 is its module
        "kepu.change", "kepu.publish", "kepu.emergency", "kepu.screens", "kepu.export"}
    assert "evaluation.manage" in roles["dept_societies"].granted() and "members.change" in roles["dept_societies"].granted()
    assert roles["county_staff"].actions == roles["township_staff"].actions == ["view", "change", "export"]
    assert roles["admin"].actions == ["view", "change", "export", "view_pii", "manage"]  # the bundles tests use


@pytest.mark.django_db
def test_city_admin_grants_in_their_city_and_not_in_city_b_or_the_province(province):
    user_a = province["users"]["demo-city-a"]
    clerk = _clerk(province)
    county = _county(province["city_a"])
    client = login("demo-city-a")
    url = f"/accounts/users/{clerk.pk}/grant/"

    resp = client.post(url, {"organisation": str(county.pk), "role": "dept_popsci"})
    assert resp.status_code == 302
    granted = RoleAssignment.objects.get(user=clerk, organisation=county, role__code="dept_popsci")
    assert AuditEntry.objects.filter(action="accounts.role.granted", object_id=granted.pk, actor=user_a).exists()

    before = set(RoleAssignment.objects.values_list("pk", flat=True))
    for outside in (province["city_b"], _county(province["city_b"]), province["root"]):
        resp = client.post(url, {"organisation": str(outside.pk), "role": "viewer"})
        assert resp.status_code == 400
        assert "只能选择您管理范围内的组织。" in resp.content.decode()
        with pytest.raises(PermissionDenied):
            services.grant_role(user_a, clerk, outside, "viewer")
    assert set(RoleAssignment.objects.values_list("pk", flat=True)) == before
    # The picker (search as you type) offers city A's organisations only.
    html = client.get(f"/accounts/users/{clerk.pk}/").content.decode()
    assert "action=accounts.manage" in html
    from kexie.orgs.widgets import shown

    def suggested(text):
        return client.get("/orgs/picker/", {"action": "accounts.manage", "q": text}).content.decode()

    assert shown(county) in suggested(county.name[:4])
    city_b, root = province["city_b"], province["root"]
    assert shown(city_b) not in suggested(city_b.name) and shown(root) not in suggested(root.name)
    # typed by name, the grant goes through the picker's resolution
    resp = client.post(url, {"organisation": shown(county), "role": "viewer"})
    assert resp.status_code == 302
    assert RoleAssignment.objects.filter(user=clerk, organisation=county, role__code="viewer").exists()


@pytest.mark.django_db
def test_city_admin_creates_an_account_for_a_county_that_changes_its_password_at_first_login(province):
    county = _county(province["city_a"])
    client = login("demo-city-a")
    resp = client.post("/accounts/users/new/", _form(county, "county_staff"))
    assert resp.status_code == 302
    account = User.objects.get(username="new-clerk")
    assert resp["Location"] == f"/accounts/users/{account.pk}/"
    assert account.must_change_password and account.display_name == "新文员"
    assert list(account.assignments.values_list("organisation_id", "role__code")) == [(county.pk, "county_staff")]
    assert account.scope_cache["orgs.view"] == [county.path] and "accounts.manage" not in account.scope_cache
    assert AuditEntry.objects.filter(action="accounts.user.created", object_id=account.pk,
                                     actor=province["users"]["demo-city-a"], scope_path=county.path).exists()

    page = client.get(resp["Location"]).content.decode()
    password = re.search(r'<code id="initial-password">([^<]+)</code>', page).group(1)
    assert account.check_password(password)
    assert "accounts.role.granted" in page and "accounts.user.created" in page  # the account's history
    assert 'id="initial-password"' not in client.get(resp["Location"]).content.decode()  # shown once

    clerk = Client()
    assert clerk.post("/accounts/login/", {"username": "new-clerk", "password": password},
                      REMOTE_ADDR="10.0.0.9").status_code == 302
    resp = clerk.get("/orgs/", follow=True)
    assert resp.redirect_chain[-1][0] == "/accounts/password/"
    assert "您的密码由他人设置，请先修改密码后再使用平台。" in resp.content.decode()


@pytest.mark.django_db
def test_city_a_never_sees_city_b_accounts(province):
    user_b = province["users"]["demo-city-b"]
    _clerk(province)
    client = login("demo-city-a")
    html = client.get("/accounts/users/").content.decode()
    assert "a-clerk" in html and "demo-city-b" not in html and "demo-province" not in html
    assert client.get(f"/accounts/users/{user_b.pk}/").status_code == 404
    assert client.get(f"/accounts/users/?org={province['city_b'].pk}").status_code == 404
    assert "a-clerk" not in client.get("/accounts/users/?q=demo").content.decode()
    assert "a-clerk" in client.get("/accounts/users/?q=县科协").content.decode()

    resp = client.get("/accounts/users/export/")
    content = b"".join(resp.streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))
    names = {r[0] for r in rows[1:]}
    assert "a-clerk" in names and "demo-city-a" in names
    assert "demo-city-b" not in names and "demo-province" not in names
    # The province administrator sees both cities' accounts.
    html = login("demo-province").get("/accounts/users/").content.decode()
    assert "demo-city-b" in html and "a-clerk" in html


@pytest.mark.django_db
def test_deactivation_and_reactivation_are_audited_and_rebuild_the_scope_cache(province):
    user_a = province["users"]["demo-city-a"]
    clerk = _clerk(province)
    expected = services.compute_scope(clerk)
    client = login("demo-city-a")
    url = f"/accounts/users/{clerk.pk}/active/"
    assert "确定停用吗" in client.get(url).content.decode()
    signed_in = login("a-clerk")
    assert signed_in.get("/orgs/").status_code == 200

    assert client.post(url, {"active": "0"}).status_code == 302
    assert signed_in.get("/orgs/")["Location"].startswith("/accounts/login/")  # the open session ends too
    clerk.refresh_from_db()
    assert not clerk.is_active and clerk.scope_cache == {}
    entry = AuditEntry.objects.get(action="accounts.user.deactivated", object_id=clerk.pk)
    assert entry.actor == user_a and entry.data["after"] == {"状态": "停用"}
    assert Client().post("/accounts/login/", {"username": "a-clerk", "password": "Clerk-2026-start"},
                         REMOTE_ADDR="10.0.0.8").status_code == 200  # refused: the form again
    page = client.get(f"/accounts/users/{clerk.pk}/").content.decode()
    assert "停用" in page and "accounts.user.deactivated" in page

    User.objects.filter(pk=clerk.pk).update(scope_cache={"view": ["stale"]})
    assert client.post(url, {"active": "1"}).status_code == 302
    clerk.refresh_from_db()
    assert clerk.is_active and clerk.scope_cache == expected
    assert AuditEntry.objects.filter(action="accounts.user.reactivated", object_id=clerk.pk, actor=user_a).exists()

    # Twice the same: a Chinese message, nothing written.
    n = AuditEntry.objects.count()
    resp = client.post(url, {"active": "1"}, follow=True)
    assert "该账号已是启用状态。" in resp.content.decode() and AuditEntry.objects.count() == n


@pytest.mark.django_db
def test_nobody_deactivates_themselves_or_an_account_reaching_beyond_their_subtree(province):
    user_a = province["users"]["demo-city-a"]
    client = login("demo-city-a")
    resp = client.post(f"/accounts/users/{user_a.pk}/active/", {"active": "0"}, follow=True)
    assert "不能停用或启用自己的账号。" in resp.content.decode()
    user_a.refresh_from_db()
    assert user_a.is_active
    assert 'id="toggle-active"' not in client.get(f"/accounts/users/{user_a.pk}/").content.decode()

    both = _clerk(province, "two-cities")
    services.grant_role(SYSTEM, both, province["city_b"], "viewer")
    page = client.get(f"/accounts/users/{both.pk}/").content.decode()
    assert 'id="toggle-active"' not in page and "另有 1 项角色不在您的管理范围内" in page
    resp = client.post(f"/accounts/users/{both.pk}/active/", {"active": "0"}, follow=True)
    assert "您无权管理该账号。" in resp.content.decode()
    both.refresh_from_db()
    assert both.is_active
    with pytest.raises(PermissionDenied):
        services.set_active(user_a, both, False)
    assert client.post(f"/accounts/users/{both.pk}/active/", {"active": "x"}).status_code == 400


@pytest.mark.django_db
def test_revoking_asks_first_and_keeps_the_last_role(province):
    clerk = _clerk(province)
    extra = services.grant_role(SYSTEM, clerk, _county(province["city_a"]), "dept_office")
    client = login("demo-city-a")
    assert "确认撤销" in client.get(f"/accounts/grants/{extra.pk}/revoke/").content.decode()
    assert RoleAssignment.objects.filter(pk=extra.pk).exists()  # asking changed nothing
    assert client.post(f"/accounts/grants/{extra.pk}/revoke/").status_code == 302
    assert not RoleAssignment.objects.filter(pk=extra.pk).exists()
    assert AuditEntry.objects.filter(action="accounts.role.revoked", object_id=extra.pk).exists()
    clerk.refresh_from_db()
    assert clerk.scope_cache == services.compute_scope(clerk)

    last = clerk.assignments.get()
    resp = client.post(f"/accounts/grants/{last.pk}/revoke/", follow=True)
    assert "这是该账号唯一的角色" in resp.content.decode()
    assert RoleAssignment.objects.filter(pk=last.pk).exists()
    b_grant = province["users"]["demo-city-b"].assignments.get()
    assert client.post(f"/accounts/grants/{b_grant.pk}/revoke/").status_code == 404


@pytest.mark.django_db
def test_bad_input_gets_chinese_messages_and_changes_nothing(province):
    county = _county(province["city_a"])
    client = login("demo-city-a")
    users, grants, audit = User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count()
    cases = [
        (_form(county, "staff", username="demo-city-b"), "用户名“demo-city-b”已被使用。"),
        (_form(county, "staff", username="DEMO-CITY-B"), "用户名“DEMO-CITY-B”已被使用。"),
        (_form(county, "staff", username="有 空格"), "用户名只能包含字母、数字和 @ . + - _ 字符。"),
        (_form(county, "staff", email="not-an-email"), "电子邮箱格式不正确。"),
        (_form(county, "staff", display_name=""), "请填写姓名。"),
        (_form(county, "no-such-role"), "只能授予您自己拥有其全部权限的角色。"),
        (_form(province["city_b"], "staff"), "只能选择您管理范围内的组织。"),
        (_form(county, "staff", organisation="9" * 40), "只能选择您管理范围内的组织。"),
    ]
    for data, message in cases:
        resp = client.post("/accounts/users/new/", data)
        assert resp.status_code == 400, data
        assert message in resp.content.decode(), (data, message)
    assert (User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count()) == (users, grants, audit)


@pytest.mark.django_db
def test_nobody_grants_a_role_above_their_own(province):
    manager = User.objects.create_user("a-user-admin", password="Clerk-2026-start")
    Role.objects.create(code="user-admin", name="用户管理员", actions=["view", "manage"])
    services.grant_role(SYSTEM, manager, province["city_a"], "user-admin")
    county = _county(province["city_a"])
    client = login("a-user-admin")
    form = client.get("/accounts/users/new/").content.decode()
    assert 'value="viewer"' in form and 'value="staff"' not in form and 'value="admin"' not in form
    resp = client.post("/accounts/users/new/", _form(county, "staff"))
    assert resp.status_code == 400 and "只能授予您自己拥有其全部权限的角色。" in resp.content.decode()
    with pytest.raises(PermissionDenied):
        services.create_staff_account(manager, county, "new-clerk", "新文员", "", "staff")
    assert not User.objects.filter(username="new-clerk").exists()
    account, _password = services.create_staff_account(manager, county, "new-clerk", "新文员", "", "viewer")
    assert scope_paths(account, "orgs.view") == [county.path]


@pytest.mark.django_db
def test_the_page_is_for_administrators_only(province):
    assert "用户与角色" in login("demo-city-a").get("/").content.decode()
    society = login("demo-society")
    assert "用户与角色" not in society.get("/").content.decode()
    for url in ("/accounts/users/", "/accounts/users/new/", "/accounts/users/export/"):
        assert society.get(url).status_code == 403, url
    assert society.get(f"/accounts/users/{province['users']['demo-society'].pk}/").status_code == 403
