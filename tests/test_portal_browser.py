"""Phone browser journey of the public portal (390 x 844, no login): an anonymous visitor opens the portal,
searches an expertise term and finds a consenting expert; a non-consenting expert with the same term does not
appear (SPEC §3.11, decision 0032)."""

from __future__ import annotations

import os

import pytest

from tests.browser import PHONE, assert_assets_served, page, seed  # noqa: F401 - the page fixture

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TERM = "钙钛矿光伏"


def test_anonymous_visitor_finds_a_consenting_expert_on_a_phone(page):  # noqa: F811
    from django.core.cache import cache

    from kexie.accounts.models import User
    from tests.test_portal import expert

    seed()
    cache.clear()
    city_a = User.objects.get(username="demo-city-a").assignments.get().organisation
    city_b = User.objects.get(username="demo-city-b").assignments.get().organisation
    expert(city_a, "公开的光伏专家", public=True, term=TERM, serial=61, phone="13911112222")
    expert(city_b, "不公开的光伏专家", public=False, term=TERM, serial=62, phone="13933334444")

    page.set_viewport_size(PHONE)
    page.goto("/portal/")
    assert_assets_served(page)
    assert page.locator("h2", has_text="科协门户").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"门户首页在手机上出现横向滚动（{width} px）"
    page.locator("#portal-experts-link").click()
    page.wait_for_url("**/portal/experts/")
    form = page.locator("#expert-search")
    form.get_by_label("专业特长").fill(TERM)
    form.get_by_role("button", name="查询").click()
    page.wait_for_url("**/portal/experts/?*q=*")
    results = page.locator("#expert-results")
    card = results.locator("article", has_text="公开的光伏专家")
    card.wait_for()
    assert card.is_visible()
    text = results.inner_text()
    assert "不公开的光伏专家" not in text
    assert "139******22" in text and "13911112222" not in text
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"专家查询页在手机上出现横向滚动（{width} px）"
