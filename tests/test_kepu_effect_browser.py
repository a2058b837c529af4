"""The effect area in a real browser: the reading beacon reports time read and the end reached when the reader
leaves the page (sendBeacon under the CSP), and the effect page draws its charts and fits a phone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.browser import PHONE, fits, log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _published(org, title: str):
    from kexie.kepu.models import Item

    body = "".join(f"<p>第{n}段：科学认识，理性看待。</p>" for n in range(60))
    return Item.objects.create(org=org, org_path=org.path, title=title, body=body, status="published",
                               published_at=timezone.now())


def test_the_beacon_reports_reading_time_and_the_end_reached(page):  # noqa: F811 - the fixture
    from kexie.kepu.effect import counter
    from kexie.kepu.models import ItemDay, ViewEvent

    user_a, _b = seed()
    counter._batch.take()
    item = _published(user_a.assignments.get().organisation, "信标浏览器测试作品")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size(PHONE)
    page.goto(f"/kepu/items/{item.pk}/")
    # The item page carries the script with the item's id.
    assert page.locator(f"script[src$='kepu/beacon.js'][data-item='{item.pk}']").count() == 1
    page.wait_for_function("() => document.querySelector('[data-kepu-end]') !== null")
    page.wait_for_timeout(1200)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(300)
    with page.expect_request(lambda r: r.url.endswith("/kepu/beacon/") and r.method == "POST") as sent:
        page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    form = sent.value.post_data or ""
    assert f"item={item.pk}" in form and "completed=1" in form
    page.wait_for_timeout(300)
    counter.flush()
    event = ViewEvent.objects.filter(item_id=item.pk, completed=True).get()
    assert event.seconds >= 1
    day = ItemDay.objects.get(item=item, channel="web")
    assert day.completions == 1 and day.seconds >= 1
    # Leaving again sends no second completion.
    with page.expect_request(lambda r: r.url.endswith("/kepu/beacon/")) as again:
        page.wait_for_timeout(1100)
        page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    assert "completed=0" in (again.value.post_data or "")
    assert not errors, errors


def test_effect_page_draws_its_charts_on_a_phone(page):  # noqa: F811 - the fixture
    from kexie.kepu.effect.counter import flush, record_view

    user_a, _b = seed()
    item = _published(user_a.assignments.get().organisation, "效果页浏览器测试作品")
    for n in range(4):
        record_view(item.pk, reader=f"r{n}")
    flush()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, "demo-city-a")
    page.set_viewport_size(PHONE)
    page.goto("/kepu/manage/effect/")
    page.wait_for_selector("[data-chart-key=rows] canvas")
    page.wait_for_selector("[data-chart-key=daily] canvas")
    assert "效果页浏览器测试作品" in page.content()
    assert fits(page)
    page.select_option("select[name=by]", "channel")
    with page.expect_navigation():
        page.get_by_role("button", name="统计").click()
    assert "by=channel" in page.url
    page.get_by_role("link", name="科普热点").click()
    page.wait_for_url("**/kepu/manage/hot/")
    assert fits(page)
    page.goto(f"/kepu/manage/{item.pk}/effect/")
    page.wait_for_selector("[data-chart=item-chart] canvas")
    assert "4" in page.locator("#item-views").inner_text()
    assert fits(page)
    assert not errors, errors
