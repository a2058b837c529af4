"""On a phone (390 px): the people list shows its rows as labelled cards and the page does not scroll sideways
(decision 0034). Run with ``pytest -m browser``."""

from __future__ import annotations

import pytest

from tests.browser import PHONE, log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_people_list_reflows_to_cards_on_a_phone(page):  # noqa: F811
    seed()
    page.set_viewport_size(PHONE)
    log_in(page, "demo-city-a")
    page.goto("/people/")
    page.wait_for_selector("table.cards-sm tbody tr")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    first = page.locator("table.cards-sm tbody tr").first
    label = first.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content")
    assert "姓名" in label
    assert first.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert page.locator("table.cards-sm thead").evaluate("t => t.getBoundingClientRect().height") <= 1
