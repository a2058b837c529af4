"""The 科普审核 journey in a real browser: an author writes and submits an article through the pages, the reviewing
expert (on a phone) returns it with a reason, the author reads the reason, revises and resubmits, the expert
approves, the editor publishes — the article is in the RSS feed and on its public page — and then retracts it: gone
from the feed, its page answers 410 with the correction."""

from __future__ import annotations

import os
import re

import pytest

from tests.browser import DESK, PHONE, fits, log_in, page, seed, switch_to  # noqa: F401 - the page fixture

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "冬季流感高发，接种疫苗前要知道的五件事"
REASON = "第三段关于疫苗保护期的说法缺少出处，请补充权威来源"
CORRECTION = "文中疫苗接种间隔的表述有误，现撤稿更正。"


def _expert_of(item_pk: int) -> str:
    from kexie.kepu.models import ReviewTask, RoundStatus

    task = ReviewTask.objects.select_related("expert__user").get(item_id=item_pk, review__status=RoundStatus.ACTIVE)
    return task.expert.user.username


def _decide(page, item_pk: int, decision: str, reason: str = "") -> None:  # noqa: F811
    switch_to(page, _expert_of(item_pk))
    page.set_viewport_size(PHONE)
    page.goto("/kepu/reviews/")
    page.get_by_role("link", name=TITLE).first.click()
    page.wait_for_url("**/kepu/reviews/tasks/*/")
    assert TITLE in page.locator("h1, h2").first.inner_text()
    assert "接种流感疫苗" in page.locator("#review-text").inner_text()
    assert fits(page), "审核任务页在手机上出现横向滚动"
    page.get_by_label(decision).check()
    if reason:
        page.get_by_label("审核意见").fill(reason)
    with page.expect_navigation():
        page.get_by_role("button", name="提交审核结论").click()
    assert page.locator("#task-decision").inner_text().strip() == decision
    page.set_viewport_size(DESK)


def test_author_expert_editor_journey_to_publication_and_retraction(page):  # noqa: F811
    from django.core.cache import cache

    from kexie.kepu.models import Item, ItemStatus
    from tests import kepu_review_seed

    seed()
    cache.clear()
    world = kepu_review_seed.build()

    # the author writes and submits the article
    log_in(page, "kp-author")
    page.goto("/kepu/manage/new/")
    page.locator("input[name=org]").fill(world.a.name)
    page.get_by_label("标题").fill(TITLE)
    page.locator("textarea[name=body]").fill("<p>接种流感疫苗是预防流感最有效的手段。</p>")
    page.locator("#id_disciplines").get_by_label("310 基础医学", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="保存草稿").click()
    match = re.search(r"/kepu/manage/(\d+)/$", page.url)
    assert match, page.url
    pk = int(match.group(1))
    manage = f"/kepu/manage/{pk}/"
    with page.expect_navigation():
        page.locator("#review-submit").click()
    assert "科学性审核中" in page.locator("#review-status").inner_text()

    # the expert returns it with a reason
    _decide(page, pk, "退回修改", REASON)

    # the author sees the reason, revises and resubmits
    switch_to(page, "kp-author")
    page.goto(manage)
    assert "退回修改" in page.locator("#review-status").inner_text()
    assert REASON in page.locator("#review-earlier").inner_text()
    page.goto(f"{manage}edit/")
    page.locator("textarea[name=body]").fill("<p>接种流感疫苗是预防流感最有效的手段（来源：国家疾控中心）。</p>")
    with page.expect_navigation():
        page.get_by_role("button", name="保存并结束编辑").click()
    page.goto(manage)
    with page.expect_navigation():
        page.locator("#review-submit").click()
    assert "科学性审核中" in page.locator("#review-status").inner_text()

    # the expert approves; the editor publishes
    _decide(page, pk, "通过")
    switch_to(page, "demo-city-a")
    page.goto(manage)
    assert "编辑审核中" in page.locator("#review-status").inner_text()
    with page.expect_navigation():
        page.locator("#review-approve").click()
    assert "已发布" in page.locator("#review-status").inner_text()
    assert Item.objects.get(pk=pk).status == ItemStatus.PUBLISHED

    # anyone finds it in the feed and on its public page
    public = page.context.browser.new_context(base_url=page.url.split("/kepu/")[0])
    try:
        reader = public.new_page()
        assert TITLE in reader.request.get("/kepu/feed.rss").text()
        reader.goto(f"/kepu/items/{pk}/")
        assert TITLE in reader.content()

        # the editor retracts it (asked first)
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("#review-retract-form textarea").fill(CORRECTION)
        with page.expect_navigation():
            page.locator("#review-retract").click()
        assert "已撤稿" in page.locator("#review-status").inner_text()
        assert TITLE not in reader.request.get("/kepu/feed.rss").text()
        gone = reader.goto(f"/kepu/items/{pk}/")
        assert gone is not None and gone.status == 410
        assert CORRECTION in reader.content()
    finally:
        public.close()
