"""Accounts (等保 level 3): per-account lockout and unlock by staff in scope, password policy, change and reset,
expiry and forced change, session idle and absolute timeouts, hashed API tokens, API throttles, the rate limit
of public forms; role grants audited with fresh scope caches (organisation delete/restore, role edits)."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from kexie.accounts import services
from kexie.accounts.middleware import LOGIN_AT, SEEN_AT
from kexie.accounts.models import ApiToken, Role, RoleAssignment, User
from kexie.core.models import AuditEntry
from kexie.core.scope import prefix_q, scope_paths
from kexie.core.services import SYSTEM
from kexie.orgs.models import Organisation
from kexie.orgs.services import delete_organisation, restore_organisation
from kexie.people.models import Person
from tests.conftest import login

PASSWORD = "kexie-demo"
STRONG = "Kx-2026-strong-passphrase"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and per-address limits count in the cache, which outlives a test's database transaction."""
    cache.clear()
    yield
    cache.clear()


def _post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _lock(username: str, ip: str = "10.0.0.1") -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, username, "wrong-password", ip)


def _staff_under(province, username: str, role: str = "staff", parent=None) -> tuple[User, Organisation]:
    """A new user holding ``role`` in a county of city A (or under ``parent``)."""
    parent = parent or province["city_a"]
    org = Organisation.objects.filter(prefix_q("path", [parent.path]), depth=parent.depth + 1).order_by("path").first()
    user = User.objects.create_user(username, password=PASSWORD)
    services.grant_role(SYSTEM, user, org, role)
    return user, org


# ---- lockout per account, unlock by staff in scope ----------------------------------------------------
@pytest.mark.django_db
def test_lockout_is_per_account_whatever_the_address(province):
    _lock("demo-city-a", ip="10.0.0.1")
    other = Client()
    resp = _post_login(other, "demo-city-a", PASSWORD, ip="10.9.9.9")
    assert "暂时锁定" in resp.content.decode()
    assert "_auth_user_id" not in other.session
    # Another account from the first address is not affected.
    assert _post_login(Client(), "demo-city-b", PASSWORD, ip="10.0.0.1").status_code == 302


@pytest.mark.django_db
def test_staff_unlock_accounts_in_their_subtree_only(province):
    county_user, county = _staff_under(province, "county-clerk")
    _lock("county-clerk")
    _lock("demo-city-b")
    client_a = login("demo-city-a")
    html = client_a.get("/accounts/locked/").content.decode()
    assert "county-clerk" in html and "demo-city-b" not in html
    assert 'id="locked-accounts-link"' in html  # the menu entry for staff who manage
    # City B's staff neither see nor unlock city A's clerk.
    assert "county-clerk" not in login("demo-city-b").get("/accounts/locked/").content.decode()
    assert login("demo-city-b").post(f"/accounts/locked/{county_user.pk}/unlock/").status_code == 404
    assert client_a.post(f"/accounts/locked/{province['users']['demo-city-b'].pk}/unlock/").status_code == 404
    # GET asks for confirmation; POST unlocks, audited.
    confirm = client_a.get(f"/accounts/locked/{county_user.pk}/unlock/").content.decode()
    assert "确定解锁吗" in confirm and 'id="confirm-unlock"' in confirm
    assert "暂时锁定" in _post_login(Client(), "county-clerk", PASSWORD, ip="10.7.7.7").content.decode()
    resp = client_a.post(f"/accounts/locked/{county_user.pk}/unlock/", follow=True)
    assert "账号 county-clerk 已解锁。" in resp.content.decode()
    entry = AuditEntry.objects.get(action="accounts.user.unlocked", object_id=county_user.pk)
    assert entry.actor == province["users"]["demo-city-a"] and entry.scope_path == county.path
    assert _post_login(Client(), "county-clerk", PASSWORD).status_code == 302
    # Unlocking again says so.
    again = client_a.post(f"/accounts/locked/{county_user.pk}/unlock/", follow=True).content.decode()
    assert "该账号未被锁定。" in again


@pytest.mark.django_db
def test_unlock_reaches_individuals_by_their_person_record_and_not_wider_roles(province):
    volunteer = province["users"]["demo-volunteer"]  # a person record in city A, no role
    assert Person.objects.get(user=volunteer).org_path.startswith(province["city_a"].path)
    _lock("demo-volunteer")
    assert "demo-volunteer" in login("demo-city-a").get("/accounts/locked/").content.decode()
    assert login("demo-city-b").get(f"/accounts/locked/{volunteer.pk}/unlock/").status_code == 404
    # An account that also holds a role in city B is out of city A's reach.
    both, _org = _staff_under(province, "two-cities")
    services.grant_role(SYSTEM, both, province["city_b"], "viewer")
    _lock("two-cities")
    assert "two-cities" not in login("demo-city-a").get("/accounts/locked/").content.decode()
    assert "two-cities" in login("demo-province").get("/accounts/locked/").content.decode()
    # A superuser's account is for superusers only, even for the province's administrator.
    User.objects.create_superuser("root-admin", password=STRONG)
    _lock("root-admin")
    assert "root-admin" not in login("demo-province").get("/accounts/locked/").content.decode()


@pytest.mark.django_db
def test_locked_page_is_for_staff_who_manage(province):
    scientist = login("demo-scientist")
    assert scientist.get("/accounts/locked/").status_code == 403
    assert 'id="locked-accounts-link"' not in scientist.get("/accounts/password/").content.decode()
    society = login("demo-society")  # staff role: no "manage"
    assert society.get("/accounts/locked/").status_code == 403


# ---- password policy ------------------------------------------------------------------------------------
@pytest.mark.parametrize("password, message", [
    ("Ab1-xyz", "密码太短，至少需要 10 个字符。"),
    ("abcdefghijkl", "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。"),
    ("Abcdefghijkl", "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。"),
    ("1234567890", "密码不能全部是数字。"),
    ("Password123", "该密码过于常见，请换一个。"),
])
def test_password_policy_refuses_weak_passwords_in_chinese(password, message):
    with pytest.raises(ValidationError) as exc:
        validate_password(password)
    assert message in exc.value.messages


def test_password_policy_accepts_three_classes():
    validate_password("kexie-Platform-x")  # lower, upper, symbol
    validate_password("kexie2026platform!")  # lower, digit, symbol


@pytest.mark.django_db
def test_password_like_the_username_is_refused(province):
    user = User(username="zhangsanfeng", display_name="张三丰")
    with pytest.raises(ValidationError) as exc:
        validate_password("Zhangsanfeng1", user)
    assert any("过于相似" in m for m in exc.value.messages)


# ---- password change ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_user_changes_their_password(province):
    client = Client()
    assert _post_login(client, "demo-scientist", PASSWORD).status_code == 302
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    assert 'href="/accounts/password/"' in client.get("/").content.decode()  # in the user menu
    weak = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "abcdefghijk",
                                               "new_password2": "abcdefghijk"})
    assert weak.status_code == 200 and "至少 3 类" in weak.content.decode()
    user = User.objects.get(username="demo-scientist")
    assert user.check_password(PASSWORD)
    resp = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": STRONG,
                                               "new_password2": STRONG}, follow=True)
    assert "密码已修改" in resp.content.decode()
    user.refresh_from_db()
    assert user.check_password(STRONG) and timezone.now() - user.password_changed_at < dt.timedelta(minutes=1)
    assert AuditEntry.objects.filter(action="accounts.user.password_changed", object_id=user.pk).exists()
    assert client.get("/orgs/").status_code == 200  # still signed in


# ---- reset by e-mail -----------------------------------------------------------------------------------
@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                   KEXIE_SITE_URL="https://kexie.example.cn")
def test_password_reset_by_email(province):
    User.objects.filter(username="demo-scientist").update(email="scientist@example.cn")
    _lock("demo-scientist")
    client = Client()
    page = client.get("/accounts/password/reset/")
    assert "找回密码" in page.content.decode()
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()
    resp = client.post("/accounts/password/reset/", {"email": "scientist@example.cn"}, follow=True)
    assert "请查收邮件" in resp.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["scientist@example.cn"] and "重设密码" in message.subject
    link = re.search(r"https://kexie\.example\.cn(/accounts/password/reset/\S+/)", message.body).group(1)
    # Unknown addresses get the same answer and no mail.
    client.post("/accounts/password/reset/", {"email": "nobody@example.cn"})
    assert len(mail.outbox) == 1
    form = client.get(link, follow=True)
    assert "设置新密码" in form.content.decode()
    url = form.redirect_chain[-1][0]
    bad = client.post(url, {"new_password1": "short", "new_password2": "short"})
    assert "密码太短" in bad.content.decode()
    done = client.post(url, {"new_password1": STRONG, "new_password2": STRONG}, follow=True)
    assert "密码已重设" in done.content.decode()
    # The new password works at once (the lock is lifted), the old one no more.
    assert _post_login(Client(), "demo-scientist", STRONG).status_code == 302
    assert "用户名或密码不正确" in _post_login(Client(), "demo-scientist", PASSWORD).content.decode()
    # The link works once.
    assert "无效或已过期" in client.get(link, follow=True).content.decode()


# ---- expiry and forced change ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_expired_password_leads_to_the_change_page(province):
    user = province["users"]["demo-city-a"]
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=91))
    client = login("demo-city-a")
    resp = client.get("/orgs/")
    assert resp.status_code == 302 and resp["Location"] == "/accounts/password/"
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and "超过 90 天未修改" in page.content.decode()
    assert client.get("/people/").status_code == 302
    assert client.get("/api/v1/people/").status_code == 403
    assert client.get("/static/kexie/app.css").status_code == 200
    # API tokens are not concerned.
    _token, key = services.create_token(SYSTEM, user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/people/").status_code == 200
    with override_settings(KEXIE_PASSWORD_MAX_AGE_DAYS=0):
        assert client.get("/orgs/").status_code == 200
    with override_settings(KEXIE_PASSWORD_MAX_AGE_DAYS=120):
        assert client.get("/orgs/").status_code == 200
    client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG})
    assert client.get("/orgs/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


@pytest.mark.django_db
def test_accounts_created_by_staff_change_their_password_at_first_login(province):
    User.objects.create_superuser("root-admin", password=STRONG)
    admin = Client()
    admin.force_login(User.objects.get(username="root-admin"))
    resp = admin.post("/admin/accounts/user/add/", {
        "username": "new-clerk", "usable_password": "true", "password1": "Clerk-2026-start",
        "password2": "Clerk-2026-start", "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0"})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    clerk = User.objects.get(username="new-clerk")
    assert clerk.must_change_password
    client = Client()
    assert _post_login(client, "new-clerk", "Clerk-2026-start").status_code == 302
    resp = client.get("/", follow=True)
    assert resp.redirect_chain[-1][0] == "/accounts/password/"
    assert "您的密码由他人设置，请先修改密码后再使用平台。" in resp.content.decode()
    client.post("/accounts/password/", {"old_password": "Clerk-2026-start", "new_password1": STRONG,
                                        "new_password2": STRONG})
    clerk.refresh_from_db()
    assert not clerk.must_change_password and client.get("/").status_code == 200
    # A password set by an administrator is to be changed again by its owner.
    admin.post(f"/admin/accounts/user/{clerk.pk}/password/", {"password1": "Reset-2026-by-admin",
                                                              "password2": "Reset-2026-by-admin"})
    clerk.refresh_from_db()
    assert clerk.must_change_password and clerk.check_password("Reset-2026-by-admin")


@pytest.mark.django_db
def test_demo_accounts_are_not_forced_to_change(province):
    assert not User.objects.filter(username__startswith="demo-", must_change_password=True).exists()
    client = Client()
    assert _post_login(client, "demo-city-a", PASSWORD).status_code == 302
    assert client.get("/orgs/").status_code == 200


# ---- session idle and absolute timeouts ---------------------------------------------------------------
def _age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"login": LOGIN_AT, "seen": SEEN_AT}[key]] = now - ago
    session.save()


@pytest.mark.django_db
def test_idle_session_is_signed_out(province):
    client = Client()
    _post_login(client, "demo-city-a", PASSWORD)
    assert client.get("/orgs/").status_code == 200
    _age_session(client, seen=settings.KEXIE_SESSION_IDLE_SECONDS - 60)
    assert client.get("/orgs/").status_code == 200  # still within the idle time; activity counts
    _age_session(client, seen=settings.KEXIE_SESSION_IDLE_SECONDS + 5)
    resp = client.get("/orgs/", follow=True)
    assert resp.redirect_chain[0][0].startswith("/accounts/login/")
    assert "由于长时间未操作，您已自动退出，请重新登录。" in resp.content.decode()
    assert "_auth_user_id" not in client.session
    with override_settings(KEXIE_SESSION_IDLE_SECONDS=120):
        _post_login(client, "demo-city-a", PASSWORD)
        _age_session(client, seen=121)
        assert client.get("/orgs/").status_code == 302


@pytest.mark.django_db
def test_session_ends_at_its_absolute_lifetime_despite_activity(province):
    client = Client()
    _post_login(client, "demo-city-a", PASSWORD)
    _age_session(client, login=settings.SESSION_COOKIE_AGE + 5, seen=10)
    resp = client.get("/orgs/", follow=True)
    assert "登录已超过有效时长，请重新登录。" in resp.content.decode()
    assert "_auth_user_id" not in client.session


# ---- API tokens -----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_token_command_stores_a_digest_lists_and_revokes(province, capsys):
    call_command("token", "create", "demo-city-a", "--days", "30", "--name", "同步脚本")
    key = capsys.readouterr().out.strip()
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    token = ApiToken.objects.get(user__username="demo-city-a")
    assert token.digest != key and key not in (token.prefix, token.name, token.digest)
    assert token.prefix == key[:8] and token.name == "同步脚本"
    assert dt.timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/people/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    call_command("token", "list", "demo-city-a")
    listing = capsys.readouterr().out
    assert f"{token.pk}\t{key[:8]}…\t有效" in listing and key not in listing
    call_command("token", "revoke", str(token.pk))
    assert "已作废" in capsys.readouterr().out
    resp = api.get("/api/v1/people/")
    assert resp.status_code == 401 and "令牌无效或已作废" in resp.json()["detail"]
    with pytest.raises(CommandError, match="不存在"):
        call_command("token", "revoke", "999999")
    with pytest.raises(CommandError, match="有效天数"):
        call_command("token", "create", "demo-city-a", "--days", "0")
    assert AuditEntry.objects.filter(action="accounts.token.revoked", object_id=token.pk).exists()


@pytest.mark.django_db
def test_expired_token_is_refused(province):
    token, key = services.create_token(SYSTEM, province["users"]["demo-city-a"], days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    resp = api.get("/api/v1/people/")
    assert resp.status_code == 401 and "令牌已过期" in resp.json()["detail"]
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert api.get("/api/v1/people/").status_code == 401


@pytest.mark.django_db
def test_tokens_page_creates_shows_once_and_revokes(province):
    client = login("demo-city-a")
    assert 'href="/accounts/tokens/"' in client.get("/").content.decode()
    resp = client.post("/accounts/tokens/", {"name": "报表同步", "days": "7"}, follow=True)
    html = resp.content.decode()
    key = re.search(r'id="token-key">([0-9a-f]{40})<', html).group(1)
    assert "离开本页后将无法再次查看" in html and "no-store" in resp.get("Cache-Control", "")
    listing = client.get("/accounts/tokens/").content.decode()
    assert key not in listing and key[:8] in listing and "报表同步" in listing
    bad = client.post("/accounts/tokens/", {"name": "x", "days": "abc"})
    assert bad.status_code == 400 and "有效天数应为 1 到 365 之间的整数。" in bad.content.decode()
    assert client.post("/accounts/tokens/", {"days": "366"}).status_code == 400
    assert ApiToken.objects.filter(user__username="demo-city-a").count() == 1
    token = ApiToken.objects.get(user__username="demo-city-a")
    # Somebody else's token: 404, unchanged.
    assert login("demo-city-b").post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    resp = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    assert "令牌已作废。" in resp.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None and token.status == "revoked"
    again = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    assert "该令牌已作废。" in again.content.decode()


# ---- throttles and per-address limits ------------------------------------------------------------------
@pytest.mark.django_db
def test_api_throttles_users_and_anonymous_callers(province):
    rates = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "3/min", "anon": "2/min"}}
    with override_settings(REST_FRAMEWORK=rates):
        client = login("demo-city-a")
        codes = [client.get("/api/v1/orgs/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert login("demo-city-b").get("/api/v1/orgs/").status_code == 200  # per user
        anon = APIClient()  # the anonymous throttle guards what anonymous callers may open: the schema
        assert [anon.get("/api/v1/schema/").status_code for _ in range(3)] == [200, 200, 429]


def test_default_throttles_are_active():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
    assert set(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) == {"user", "anon"}


@pytest.mark.django_db
def test_public_enquiry_form_is_limited_per_address(province):
    from kexie.innovation.models import Achievement, Enquiry

    a = province["city_a"]
    ach = Achievement.objects.create(title="限流测试成果", description="已发布", maturity="pilot",
                                     transfer_mode="licence", owner=a, org_path=a.path, status="published",
                                     published_at=timezone.now())
    url = f"/innovation/market/achievements/{ach.pk}/"
    data = {"name": "赵工", "contact": "13900001111", "text": "对接"}
    with override_settings(KEXIE_ANON_FORM_RATE="2/10m"):
        client = Client()
        assert client.post(url, data, REMOTE_ADDR="10.1.1.1").status_code == 302
        assert client.post(url, {"name": ""}, REMOTE_ADDR="10.1.1.1").status_code == 400
        resp = client.post(url, {**data, "contact": "13900002222"}, REMOTE_ADDR="10.1.1.1")
        assert resp.status_code == 429 and "提交过于频繁，请稍后再试。" in resp.content.decode()
        assert Enquiry.objects.filter(achievement=ach).count() == 1
        # Another address is not affected.
        assert client.post(url, {**data, "contact": "13900003333"}, REMOTE_ADDR="10.1.1.2").status_code == 302
        assert Enquiry.objects.filter(achievement=ach).count() == 2


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", KEXIE_ANON_FORM_RATE="1/h")
def test_password_reset_is_limited_per_address(province):
    User.objects.filter(username="demo-scientist").update(email="scientist@example.cn")
    client = Client()
    assert client.post("/accounts/password/reset/", {"email": "scientist@example.cn"}).status_code == 302
    resp = client.post("/accounts/password/reset/", {"email": "scientist@example.cn"})
    assert resp.status_code == 429 and "提交过于频繁" in resp.content.decode()
    assert len(mail.outbox) == 1


# ---- role grants, scope caches ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_grant_and_revoke_check_manage_scope_and_are_audited(province):
    users = province["users"]
    clerk = User.objects.create_user("clerk", password=PASSWORD)
    county = Organisation.objects.filter(prefix_q("path", [province["city_a"].path]),
                                         depth=province["city_a"].depth + 1).first()
    with pytest.raises(PermissionDenied):
        services.grant_role(users["demo-city-b"], clerk, county, "staff")  # outside city B
    with pytest.raises(PermissionDenied):
        services.grant_role(users["demo-society"], clerk, province["society"], "viewer")  # no "manage"
    with pytest.raises(ValidationError):
        services.grant_role(users["demo-city-a"], clerk, county, "no-such-role")
    assert not RoleAssignment.objects.filter(user=clerk).exists()
    assignment = services.grant_role(users["demo-city-a"], clerk, county, "staff")
    clerk.refresh_from_db()
    assert clerk.scope_cache["orgs.view"] == [county.path]
    entry = AuditEntry.objects.get(action="accounts.role.granted", object_id=assignment.pk)
    assert entry.actor == users["demo-city-a"] and entry.scope_path == county.path
    assert entry.data["after"] == {"用户": "clerk", "组织": str(county), "角色": "staff"}
    with pytest.raises(PermissionDenied):
        services.revoke_role(users["demo-city-b"], assignment)
    services.revoke_role(users["demo-city-a"], assignment)
    clerk.refresh_from_db()
    assert clerk.scope_cache == {} and scope_paths(clerk, "orgs.view") == []
    assert AuditEntry.objects.filter(action="accounts.role.revoked", object_id=assignment.pk,
                                     actor=users["demo-city-a"]).exists()


@pytest.mark.django_db
def test_nobody_hands_out_more_than_they_hold(province):
    manager = User.objects.create_user("manager-no-pii", password=PASSWORD)
    Role.objects.create(code="user-admin", name="用户管理员", actions=["view", "manage"])
    services.grant_role(SYSTEM, manager, province["city_a"], "user-admin")
    clerk = User.objects.create_user("clerk2", password=PASSWORD)
    with pytest.raises(PermissionDenied):
        services.grant_role(manager, clerk, province["city_a"], "admin")  # admin includes view_pii
    services.grant_role(manager, clerk, province["city_a"], "viewer")
    assert RoleAssignment.objects.filter(user=clerk).count() == 1


@pytest.mark.django_db
def test_deleting_an_organisation_takes_its_staff_access_away(province):
    city_a = province["city_a"]
    county = Organisation.objects.filter(prefix_q("path", [city_a.path]), depth=city_a.depth + 1).first()
    leaf = Organisation.objects.filter(prefix_q("path", [county.path]), numchild=0,
                                       deleted_at__isnull=True).order_by("path").first()
    clerk = User.objects.create_user("leaf-clerk", password=PASSWORD)
    services.grant_role(SYSTEM, clerk, leaf, "staff")
    client = login("leaf-clerk")
    assert client.get(f"/orgs/{leaf.pk}/").status_code == 200
    actor = province["users"]["demo-city-a"]
    delete_organisation(actor, leaf)
    clerk.refresh_from_db()
    assert clerk.scope_cache == {}
    assert client.get(f"/orgs/{leaf.pk}/").status_code == 404
    assert client.get("/people/export/").status_code in (403, 200)
    assert Person.objects.for_user(clerk).count() == 0
    restore_organisation(actor, leaf)
    clerk.refresh_from_db()
    assert clerk.scope_cache["orgs.view"] == [leaf.path]
    assert client.get(f"/orgs/{leaf.pk}/").status_code == 200


@pytest.mark.django_db
def test_role_edits_rebuild_every_holders_cache(province):
    holder, org = _staff_under(province, "viewer-holder", role="viewer")
    assert "export" not in holder.scope_cache
    role = Role.objects.get(code="viewer")
    role.actions = ["view", "export"]
    role.save()
    holder.refresh_from_db()
    assert holder.scope_cache["orgs.export"] == [org.path]


@pytest.mark.django_db
def test_any_save_or_delete_of_a_grant_rebuilds_the_cache(province):
    user = User.objects.create_user("direct", password=PASSWORD)
    ra = RoleAssignment.objects.create(user=user, organisation=province["city_b"], role=Role.objects.get(code="viewer"))
    user.refresh_from_db()
    assert user.scope_cache["orgs.view"] == [province["city_b"].path]
    ra.organisation = province["city_a"]
    ra.save()
    user.refresh_from_db()
    assert user.scope_cache["orgs.view"] == [province["city_a"].path]
    ra.delete()
    user.refresh_from_db()
    assert user.scope_cache == {}


@pytest.mark.django_db
def test_admin_role_edits_are_audited_with_the_admin_user(province):
    root = User.objects.create_superuser("root-admin", password=STRONG)
    admin = Client()
    admin.force_login(root)
    clerk = User.objects.create_user("inline-clerk", password=PASSWORD)
    county = Organisation.objects.filter(prefix_q("path", [province["city_a"].path]),
                                         depth=province["city_a"].depth + 1).first()
    viewer = Role.objects.get(code="viewer")
    data = {
        "username": "inline-clerk", "first_name": "", "last_name": "", "email": "", "is_active": "on",
        "display_name": "", "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "assignments-TOTAL_FORMS": "1", "assignments-INITIAL_FORMS": "0", "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000", "assignments-0-organisation": str(county.pk),
        "assignments-0-role": str(viewer.pk), "assignments-0-id": "", "assignments-0-user": str(clerk.pk),
    }
    resp = admin.post(f"/admin/accounts/user/{clerk.pk}/change/", data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    ra = RoleAssignment.objects.get(user=clerk)
    assert AuditEntry.objects.filter(action="accounts.role.granted", object_id=ra.pk, actor=root).exists()
    clerk.refresh_from_db()
    assert clerk.scope_cache["orgs.view"] == [county.path]
    data.update({"assignments-INITIAL_FORMS": "1", "assignments-0-id": str(ra.pk), "assignments-0-DELETE": "on"})
    assert admin.post(f"/admin/accounts/user/{clerk.pk}/change/", data).status_code == 302
    assert not RoleAssignment.objects.filter(user=clerk).exists()
    assert AuditEntry.objects.filter(action="accounts.role.revoked", object_id=ra.pk, actor=root).exists()
    clerk.refresh_from_db()
    assert clerk.scope_cache == {}
    # Editing a role in the admin: audited, holders' caches follow.
    holder, org = _staff_under(province, "role-holder", role="viewer")
    resp = admin.post(f"/admin/accounts/role/{viewer.pk}/change/", {
        "code": "viewer", "name": viewer.name, "actions": '["view", "export"]', "description": viewer.description})
    assert resp.status_code == 302, resp.content.decode()[:3000]
    entry = AuditEntry.objects.get(action="accounts.role.changed", object_id=viewer.pk)
    assert entry.actor == root and entry.changes()
    holder.refresh_from_db()
    assert holder.scope_cache["orgs.export"] == [org.path]
