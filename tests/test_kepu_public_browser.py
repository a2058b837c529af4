"""Browser journey of 数字科普 delivery on a phone (390 px): a reader searches from the 科普 home page, opens the
item from the results and reads it without sideways scrolling; the page carries its share tags."""

from __future__ import annotations

import pytest

from tests.browser import click_and_wait, fits, on_phone, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "暴雨天气出行安全须知"


def _published_item(org):
    from kexie.core.services import SYSTEM
    from kexie.kepu.content.services import create_item
    from kexie.kepu.models import Item, ItemStatus
    from kexie.kepu.review.services import publish

    body = ("<p>暴雨天气尽量减少外出。</p><h3>积水路段</h3><p>不要涉水通过积水较深的路段和下穿通道，"
            "注意观察井盖和电线。</p><table><tr><td>" + "很长的表格内容" * 30 + "</td></tr></table>")
    item = create_item(SYSTEM, org=org, kind="article", title=TITLE, summary="暴雨出行要点。", body=body,
                       source="省气象科普中心")
    Item.objects.filter(pk=item.pk).update(status=ItemStatus.APPROVED)
    item.refresh_from_db()
    return publish(SYSTEM, item)


def test_phone_reader_searches_and_reads_an_item(page):  # noqa: F811
    user_a, _ = seed()
    item = _published_item(user_a.assignments.get().organisation)
    on_phone(page)
    page.goto("/kepu/")
    assert fits(page)
    page.fill("#kepu-search-form input[name=q]", "暴雨 出行")
    click_and_wait(page, page.locator("#kepu-search-form button[type=submit]"))
    assert "/kepu/search/" in page.url and fits(page)
    click_and_wait(page, page.locator("#kepu-search-results").get_by_role("link", name=TITLE))
    assert page.url.endswith(f"/kepu/items/{item.pk}/")
    assert page.get_by_role("heading", name=TITLE).is_visible()
    assert page.get_by_text("不要涉水通过积水较深的路段").is_visible()
    assert page.get_by_text("省气象科普中心").is_visible()
    assert fits(page), "the item page scrolls sideways on a phone"
    assert page.locator('meta[property="og:title"]').get_attribute("content") == TITLE
