"""Browser journeys of 科普中国信息员 and 科普大屏: an individual registers as an officer on a phone (390 px, the
organisation by the picker) and records a share from their page; a screen's play page shows the items of its feed,
reports its heartbeat, and drops an item the feed no longer carries (a retraction) at the next refresh."""

from __future__ import annotations

import json
import os

import pytest

from tests.browser import PHONE, assert_assets_served, fits, log_in, page, seed  # noqa: F401 - the page fixture

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_individual_registers_as_officer_and_shares_on_a_phone(page):  # noqa: F811
    from django.utils import timezone

    from kexie.kepu.models import InfoOfficer, Item, PointEntry

    city_a, _b = seed()
    org = city_a.assignments.get().organisation
    item = Item.objects.create(org=org, org_path=org.path, title="秋冬季流感预防小知识", status="published",
                               published_at=timezone.now())
    page.set_viewport_size(PHONE)
    log_in(page, "demo-scientist")
    page.goto("/kepu/officers/join/")
    assert_assets_served(page)
    form = page.locator("#officer-join-form")
    form.get_by_label("所属科协或学会").fill(org.code)
    form.get_by_label("昵称").fill("科普小王")
    with page.expect_navigation():
        form.get_by_role("button", name="注册").click()
    assert page.url.endswith("/kepu/officers/me/")
    officer = InfoOfficer.objects.get(user__username="demo-scientist")
    assert officer.number in page.locator("#officer-number").inner_text()
    assert fits(page), "信息员页面在手机上出现横向滚动"
    share = page.locator("#share-links article", has_text="秋冬季流感预防小知识")
    assert f"?via={officer.share_code}" in share.get_by_label("分享链接").input_value()
    with page.expect_navigation():
        share.get_by_role("button", name="复制链接并记录分享").click()
    assert "已记录分享" in page.locator(".messages").inner_text()
    assert PointEntry.objects.filter(officer=officer, item=item).count() == 1
    assert page.locator("#officer-points").inner_text() == "2"
    page.goto("/kepu/officers/ranking/")
    assert "科＊" in page.locator("#ranking").inner_text() and "科普小王" not in page.content()
    assert fits(page), "排行榜在手机上出现横向滚动"


def test_a_screen_plays_its_feed_beats_and_drops_a_retracted_item(page):  # noqa: F811
    from kexie.core.services import SYSTEM
    from kexie.kepu.models import Screen, Topic
    from kexie.kepu.screens import services

    city_a, _b = seed()
    org = city_a.assignments.get().organisation
    screen, key = services.create_screen(SYSTEM, org=org, name="浏览器测试大屏", location="测试大厅",
                                         topics=list(Topic.objects.filter(code="health")))
    feed = {"items": [
        {"id": "1", "title": "撤稿前的作品", "summary": "这篇随后会被撤稿", "date_published": "2026-01-02T08:00:00+08:00",
         "_kepu": {"image": "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="}},
        {"id": "2", "title": "一直在播的作品", "summary": "健康生活从早餐开始", "date_published": "2026-01-01T08:00:00+08:00"},
    ]}
    asked: list[str] = []

    def answer(route):
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(feed))

    page.route("**/kepu/feed.json*", answer)
    page.clock.install()
    page.goto(f"/kepu/screens/play/?key={key}")
    page.locator("#screen-title", has_text="撤稿前的作品").wait_for()
    assert asked and asked[0].endswith("/kepu/feed.json?topic=health")
    page.wait_for_function("document.getElementById('screen-count').textContent === '1 / 2'")
    assert page.locator("#screen-image").get_attribute("src").startswith("data:image/gif")
    for _ in range(50):
        screen.refresh_from_db()
        if screen.last_heartbeat_at:
            break
        page.wait_for_timeout(100)
    assert Screen.objects.get(pk=screen.pk).last_heartbeat_at is not None
    feed["items"] = feed["items"][1:]  # retracted: the feed no longer carries it
    page.clock.run_for(61_000)
    page.locator("#screen-title", has_text="一直在播的作品").wait_for()
    page.wait_for_function("document.getElementById('screen-count').textContent === '1 / 1'")
    assert "撤稿前的作品" not in page.locator("#screen").inner_text()
