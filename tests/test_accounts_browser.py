"""Browser journeys for accounts (headless Chromium through Playwright): an account created by staff logs in, is
sent to the password change page, changes the password and reaches the home page; it creates an API token from
the account menu and sees the key once. City A's administrator finds a locked clerk through the account menu and
unlocks them after confirming."""

from __future__ import annotations

import re

import pytest

from tests.browser import log_in, page, seed, switch_to  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

START = "Clerk-2026-start"
NEW = "Kx-2026-my-own-pass"


def _clerk(user_a):
    from kexie.accounts.models import User
    from kexie.accounts.services import grant_role
    from kexie.core.scope import prefix_q
    from kexie.orgs.models import Organisation

    city = user_a.assignments.get().organisation
    county = Organisation.objects.filter(prefix_q("path", [city.path]), depth=city.depth + 1).order_by("path").first()
    clerk = User.objects.create_user("county-clerk", password=START, display_name="县科协文员",
                                     must_change_password=True)
    grant_role(user_a, clerk, county, "staff")
    return clerk


def test_first_login_changes_the_password_then_creates_a_token(page):  # noqa: F811
    user_a, _user_b = seed()
    _clerk(user_a)
    log_in(page, "county-clerk", START)
    assert page.url.endswith("/accounts/password/")
    assert page.get_by_text("您的密码由他人设置，请先修改密码后再使用平台。").is_visible()
    page.goto("/orgs/")
    assert page.url.endswith("/accounts/password/")
    page.fill("input[name=old_password]", START)
    page.fill("input[name=new_password1]", "abcdefghijk")
    page.fill("input[name=new_password2]", "abcdefghijk")
    with page.expect_navigation():
        page.locator("#password-change button[type=submit]").click()
    assert page.get_by_text("密码须包含大写字母、小写字母、数字、符号中的至少 3 类。").first.is_visible()
    page.fill("input[name=old_password]", START)
    page.fill("input[name=new_password1]", NEW)
    page.fill("input[name=new_password2]", NEW)
    with page.expect_navigation():
        page.locator("#password-change button[type=submit]").click()
    assert page.get_by_role("heading", name="密码已修改").is_visible()
    page.goto("/orgs/")
    assert page.url.endswith("/orgs/")

    page.locator("#account-menu summary").click()
    with page.expect_navigation():
        page.get_by_role("link", name="API 令牌").click()
    page.get_by_text("创建令牌").first.click()
    page.fill("#token-create input[name=name]", "报表同步")
    page.fill("#token-create input[name=days]", "30")
    with page.expect_navigation():
        page.locator("#token-create button[type=submit]").click()
    key = page.locator("#token-key").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    page.reload()
    assert page.locator("#token-key").count() == 0 and key not in page.content()
    assert page.get_by_text("报表同步").is_visible()


def test_administrator_unlocks_a_locked_clerk(page):  # noqa: F811
    user_a, _user_b = seed()
    from kexie.accounts.models import User

    clerk = _clerk(user_a)
    User.objects.filter(pk=clerk.pk).update(must_change_password=False)
    for _ in range(5):
        log_in(page, "county-clerk", "wrong-password")
    log_in(page, "county-clerk", START)
    assert page.get_by_text("暂时锁定").first.is_visible()

    switch_to(page, "demo-city-a")
    page.locator("#account-menu summary").click()
    with page.expect_navigation():
        page.locator("#locked-accounts-link").click()
    row = page.locator("tr", has_text="county-clerk")
    with page.expect_navigation():
        row.get_by_role("button", name="解锁").click()
    assert page.get_by_text("确定解锁吗").is_visible()
    with page.expect_navigation():
        page.locator("#confirm-unlock").click()
    assert page.get_by_text("账号 county-clerk 已解锁。").is_visible()

    switch_to(page, "county-clerk", START)
    assert not page.url.endswith("/accounts/login/")
