"""Browser journey of 科普作品 authoring (decision 0049): a city author writes a draft with the toolbar, uploads an
image, inserts it into the body from the toolbar, saves (a second version) and sees the change highlighted on
the versions page; the list stays within a phone's width."""

from __future__ import annotations

import os

import pytest

from tests.browser import DESK, PHONE, assert_assets_served, fits, log_in, page, seed  # noqa: F401 - the page fixture

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_author_writes_uploads_inserts_an_image_and_compares_versions(page, tmp_path, settings):  # noqa: F811
    from kexie.kepu.models import Item

    settings.MEDIA_ROOT = str(tmp_path)
    city_a, _city_b = seed()
    page.set_viewport_size(DESK)
    log_in(page, "demo-city-a")
    page.goto("/kepu/manage/new/")
    assert_assets_served(page)
    org = city_a.assignments.get().organisation
    page.get_by_label("发布单位").fill(org.code)
    page.get_by_label("标题", exact=True).fill("冬季用电安全小常识")
    body = page.locator("textarea[data-editor]")
    body.fill("出门前关闭电暖器")
    body.evaluate("el => el.setSelectionRange(0, el.value.length)")
    page.locator(".editor-toolbar button[data-cmd=strong]").click()
    assert body.input_value() == "<strong>出门前关闭电暖器</strong>"
    page.locator("#id_topics input[type=checkbox]").first.check()
    with page.expect_navigation():
        page.get_by_role("button", name="保存草稿").click()
    item = Item.objects.get(title="冬季用电安全小常识")
    assert page.locator("#item-body strong", has_text="出门前关闭电暖器").is_visible()

    image = tmp_path / "plug.png"
    image.write_bytes(PNG)
    form = page.locator("#media-form")
    form.locator("input[type=file]").set_input_files(str(image))
    form.get_by_label("说明").fill("插座示意图")
    with page.expect_navigation():
        form.get_by_role("button", name="上传").click()
    assert page.locator("#media-list", has_text="插座示意图").is_visible()

    page.locator("#item-edit").click()
    page.wait_for_url(f"**/kepu/manage/{item.pk}/edit/")
    body = page.locator("textarea[data-editor]")
    body.evaluate("el => el.setSelectionRange(el.value.length, el.value.length)")
    page.locator(".editor-toolbar select[data-cmd=img]").select_option(label="插座示意图")
    assert f'<img src="/kepu/media/{item.media.get().pk}/"' in body.input_value()
    page.get_by_label("修改说明").fill("加配图")
    with page.expect_navigation():
        page.get_by_role("button", name="保存并结束编辑").click()
    assert page.locator("#item-body img").count() == 1
    assert page.locator("#item-body img").evaluate("img => img.complete && img.naturalWidth >= 0")

    page.goto(f"/kepu/manage/{item.pk}/versions/")
    assert page.locator("#diff-body ins").count() >= 1
    assert page.locator("#version-list", has_text="加配图").is_visible()

    page.set_viewport_size(PHONE)
    page.goto("/kepu/manage/")
    assert page.locator("#kepu-items", has_text="冬季用电安全小常识").is_visible()
    assert fits(page), "科普作品列表在手机上出现横向滚动"
