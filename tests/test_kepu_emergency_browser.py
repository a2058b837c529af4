"""Browser journey of 应急科普 (decision 0051): a city registers an incident naming its approver, the approver
fast-publishes an emergency draft from the item page (the confirmation is asked, and dismissing it changes nothing),
and a reader on a phone finds it on the public incident page, which fits the screen."""

from __future__ import annotations

import os

import pytest

from tests.browser import DESK, PHONE, fits, log_in, page, seed  # noqa: F401 - the page fixture

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_register_fast_publish_and_read_on_a_phone(page):  # noqa: F811
    from kexie.core.services import SYSTEM
    from kexie.kepu.content.services import create_item
    from kexie.kepu.models import Incident, Item, ItemStatus

    city_a, _city_b = seed()
    org = city_a.assignments.get().organisation
    page.set_viewport_size(DESK)
    log_in(page, "demo-city-a")
    page.goto("/kepu/manage/incidents/new/")
    page.locator("#id_org").select_option(str(org.pk))
    page.locator("#id_kind").select_option("natural_disaster")
    page.get_by_label("事件名称").fill("寒潮应急科普")
    page.locator("#id_approver").select_option(str(city_a.pk))
    page.get_by_label("事后审核时限（小时）").fill("12")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    incident = Incident.objects.get(title="寒潮应急科普")
    assert page.locator("#incident-status", has_text="响应中").is_visible()
    assert page.locator("#new-emergency-item").get_attribute("href").endswith(f"?incident={incident.pk}")

    item = create_item(SYSTEM, org=org, kind="article", title="寒潮来袭如何防冻", summary="保暖防滑",
                       body="<p>注意保暖，谨防路面结冰。</p>", incident=incident)
    page.goto(f"/kepu/manage/{item.pk}/")
    button = page.locator("#fast-publish")
    page.once("dialog", lambda dialog: dialog.dismiss())
    button.click()
    item.refresh_from_db()
    assert item.status == ItemStatus.DRAFT  # dismissed: nothing sent
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        button.click()
    item.refresh_from_db()
    assert item.status == ItemStatus.PUBLISHED and Item.objects.for_public().filter(pk=item.pk).exists()
    assert page.locator("#after-review-state").is_visible()

    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    page.goto("/kepu/incidents/")
    with page.expect_navigation():
        page.get_by_role("link", name="寒潮应急科普").click()
    assert page.locator("#incident-items a", has_text="寒潮来袭如何防冻").is_visible()
    assert fits(page)
