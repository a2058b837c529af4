"""Browser journey for the users-and-roles page (headless Chromium through Playwright): the province administrator
opens 用户与角色 from the account menu, creates a staff account for a county and grants it another role; the new
user signs in with the initial password shown once, must change it, and then sees only the county's subtree and
only the menu entries its role allows (no 用户与角色 or 账号解锁 without ``manage``)."""

from __future__ import annotations

import pytest

from tests.browser import PASSWORD, log_in, page, seed, switch_to  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW = "Kx-2026-county-own-pass"


def _orgs():
    from kexie.accounts.models import User
    from kexie.core.scope import prefix_q
    from kexie.orgs.models import Organisation

    city_a = User.objects.get(username="demo-city-a").assignments.get().organisation
    city_b = User.objects.get(username="demo-city-b").assignments.get().organisation
    counties = list(Organisation.objects.filter(prefix_q("path", [city_a.path]), depth=city_a.depth + 1,
                                                level="county").alive().order_by("path")[:2])
    county, other = counties
    township = Organisation.objects.filter(prefix_q("path", [county.path]), level="township").order_by("path").first()
    return city_a, city_b, county, other, township


def test_province_admin_creates_a_county_account_that_sees_only_its_county(page):  # noqa: F811
    seed()
    city_a, city_b, county, other, township = _orgs()

    log_in(page, "demo-province", PASSWORD)
    page.locator("#account-menu summary").click()
    with page.expect_navigation():
        page.locator("#users-link").click()
    assert page.get_by_role("heading", name="用户与角色").is_visible()
    with page.expect_navigation():
        page.locator("#create-account").click()
    page.fill("input[name=username]", "county-staff")
    page.fill("input[name=display_name]", "县科协干事")
    page.fill("input[name=email]", "county-staff@example.cn")
    # the organisation picker: type part of the name, take the suggestion
    page.locator("#account-create input[name=organisation]").press_sequentially(county.name[:4])
    page.wait_for_function("n => [...document.querySelectorAll('#account-create datalist option')]"
                           ".some(o => o.value.endsWith(n))", arg=county.name)
    page.fill("#account-create input[name=organisation]", f"{county.code} {county.name}")
    page.select_option("#account-create select[name=role]", "county_staff")
    with page.expect_navigation():
        page.locator("#account-create button[type=submit]").click()
    assert page.get_by_text("账号 county-staff 已创建。").is_visible()
    initial = page.locator("#initial-password").inner_text().strip()
    assert len(initial) >= 10

    page.get_by_text("授予角色").first.click()
    page.fill("#grant-role input[name=organisation]", f"{township.code} {township.name}")
    page.select_option("#grant-role select[name=role]", "dept_popsci")
    with page.expect_navigation():
        page.locator("#grant-role button[type=submit]").click()
    assert page.get_by_text("已授予角色。").is_visible()
    grants = page.locator("#grants")
    assert grants.get_by_text(county.name, exact=True).is_visible()
    assert grants.get_by_text(township.name, exact=True).is_visible()
    assert page.locator("#initial-password").count() == 0 and initial not in page.content()

    switch_to(page, "county-staff", initial)
    assert page.url.endswith("/accounts/password/")
    page.fill("input[name=old_password]", initial)
    page.fill("input[name=new_password1]", NEW)
    page.fill("input[name=new_password2]", NEW)
    with page.expect_navigation():
        page.locator("#password-change button[type=submit]").click()
    assert page.get_by_role("heading", name="密码已修改").is_visible()

    page.goto("/orgs/")
    assert page.url.endswith("/orgs/")
    html = page.content()
    assert page.get_by_text(county.name).first.is_visible()
    for outside in (other, city_a, city_b):
        assert outside.name not in html, outside.name

    from django.urls import reverse

    from kexie.accounts.models import User
    from kexie.core.registry import menu_for

    allowed = {reverse(e.url_name) for e in menu_for(User.objects.get(username="county-staff"))}
    shown = set(page.locator("header .mainnav > li > a").evaluate_all("els => els.map(e => e.getAttribute('href'))"))
    assert shown == allowed  # the main menu: exactly the entries the role's actions allow
    page.locator("#account-menu summary").click()
    assert page.get_by_role("link", name="修改密码").is_visible()
    assert page.locator("#users-link").count() == 0 and page.locator("#locked-accounts-link").count() == 0
    assert page.request.get("/accounts/users/").status == 403


def test_the_menu_collapses_behind_a_button_on_a_phone(page):  # noqa: F811
    """At 390 px the main menu is folded away; 菜单 opens it, and its links work. On a desk it is always open."""
    seed()
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, "demo-city-a", PASSWORD)
    toggle = page.locator("[data-menu-toggle]")
    menu = page.locator("#mainnav")
    assert toggle.is_visible() and not menu.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert menu.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the open menu does not widen the page
    with page.expect_navigation():
        menu.get_by_role("link", name="通知").click()
    assert page.url.endswith("/notices/") and not page.locator("#mainnav").is_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.locator("#mainnav").is_visible() and not page.locator("[data-menu-toggle]").is_visible()
