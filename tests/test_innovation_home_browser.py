"""Browser journey on a phone (390x844, headless Chromium through Playwright): demo-company opens 数字科创 from the
menu, lands on its home (企业之家), sees the experts matched to its need with the reasons naming the terms that
matched, and requests an introduction (点厨) of one of them from the same page — the request asks first."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from tests.browser import PHONE, log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]



def test_company_sees_matched_experts_on_its_need_and_requests_an_introduction(page, live_server, tmp_path):  # noqa: F811
    from kexie.innovation.matching import build_index
    from kexie.innovation.matching.store import clear_cache
    from kexie.innovation.models import Introduction, Need

    seed()
    need = Need.objects.filter(enterprise__users__username="demo-company", status="matching").order_by("pk").first()
    assert need is not None
    clear_cache()
    with override_settings(KEXIE_MATCH_DIR=tmp_path):
        build_index()
        page.set_viewport_size(PHONE)
        log_in(page, "demo-company")

        # 数字科创 in the (phone) menu leads home
        page.goto("/")
        page.get_by_role("button", name="菜单").click()
        with page.expect_navigation():
            page.get_by_role("link", name="数字科创").first.click()
        assert page.url.endswith("/innovation/mine/")
        assert page.get_by_role("heading", name="我的需求").is_visible()

        card = page.locator(f"#need-{need.pk}")
        assert need.title in card.inner_text()
        experts = card.locator("li.match")
        assert experts.count() >= 3
        why = experts.first.locator(".why").inner_text()
        assert why.startswith("匹配：") and why not in ("匹配：设计", "匹配：分析")
        # nothing wider than the phone
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # 点厨 from the same page: open the form under the first expert, submit, accept the question
        name = experts.first.locator("strong").first.inner_text()
        person_id = int(experts.first.get_attribute("data-person"))
        experts.first.locator("summary").click()
        asked: list[str] = []
        page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        with page.expect_navigation():
            experts.first.get_by_role("button", name="提交引荐申请").click()
        assert asked and name in asked[0]
        assert re.search(r"/innovation/intro/\d+/$", page.url)
        assert "引荐申请已提交" in page.content()
        intro = Introduction.objects.get(need=need, expert_id=person_id)
        assert intro.status == "requested"

        # back home: the expert shows the request instead of the form
        page.goto("/innovation/mine/")
        item = page.locator(f"#need-{need.pk} li.match[data-person='{person_id}']")
        assert "已申请引荐" in item.inner_text()
    clear_cache()
