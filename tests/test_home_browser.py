"""Browser journey for 我的 on a phone (headless Chromium through Playwright, 390x844): demo-scientist opens 我的
from the menu, edits the bio (applied at once), asks to change the name; demo-city-a approves it; the new name
shows on the scientist's page, with the notice naming the change."""

from __future__ import annotations

import pytest

from tests.browser import DESK, PHONE, click_and_wait, log_in, page, seed, switch_to  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_NAME = "浏览器改名测试"
BIO = "从事齿轮传动与精密制造研究二十年。"


def no_sideways_scroll(page) -> None:  # noqa: F811
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page is {width}px wide on a {PHONE['width']}px phone"


def set_up():
    """The scientist's record held by a city-A organisation (so demo-city-a decides its changes)."""
    from kexie.accounts.models import User
    from kexie.people.models import Person

    city_a, _city_b = seed()
    org = city_a.assignments.get().organisation
    Person.objects.filter(user__username="demo-scientist").update(org=org, org_path=org.path)
    return User.objects.get(username="demo-scientist")


def test_scientist_edits_bio_asks_for_a_new_name_and_city_a_approves(page):  # noqa: F811
    set_up()
    page.set_viewport_size(PHONE)
    log_in(page, "demo-scientist")
    assert page.locator("#desk").is_visible()  # the personal desk, not the staff home
    page.locator("[data-menu-toggle]").click()
    click_and_wait(page, page.locator("#me-link"))
    assert page.locator("#profile").is_visible()
    no_sideways_scroll(page)

    click_and_wait(page, page.locator("#edit-link"))
    no_sideways_scroll(page)
    page.locator("#own-form textarea[name=bio]").fill(BIO)
    click_and_wait(page, page.locator("#save-own"))
    assert BIO in page.locator("#person-bio").inner_text()

    click_and_wait(page, page.locator("#edit-link"))
    page.locator("#verified-form input[name=name]").fill(NEW_NAME)
    page.locator("#verified-form textarea[name=note]").fill("户籍更名")
    click_and_wait(page, page.locator("#ask-change"))
    assert page.locator("#pending-change").is_visible()
    assert NEW_NAME not in page.locator("#person-name").inner_text()

    switch_to(page, "demo-city-a")
    page.set_viewport_size(DESK)
    page.goto("/profile-changes/")
    click_and_wait(page, page.locator("#changes tbody a").first)
    assert NEW_NAME in page.locator("#change-rows").inner_text()
    click_and_wait(page, page.locator("#approve"))
    assert "已通过" in page.content()

    switch_to(page, "demo-scientist")
    page.set_viewport_size(PHONE)
    page.goto("/me/")
    assert page.locator("#person-name").inner_text().strip() == NEW_NAME
    assert "资料变更已通过：姓名" in page.locator("#notices").inner_text()
    no_sideways_scroll(page)
