"""Browser journey for 单位入会 (headless Chromium through Playwright, 390x844): a person acting for their unit
finds a society in the directory and applies for the unit with a letter; the society (demo-society) approves it
from the 单位入会 tab of its queue; the applicant sees the group membership number on 我的.

Set up in Python: the applicant's account and the society's join settings (what its staff set on the settings
page: open, accepting group members)."""

from __future__ import annotations

import pytest

from tests.test_browser import PASSWORD, log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def fits(page) -> bool:  # noqa: F811
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def click_and_wait(page, locator) -> None:  # noqa: F811
    with page.expect_navigation():
        locator.click()


def set_up():
    from kexie.accounts.models import User
    from kexie.core.services import SYSTEM
    from kexie.core.validators import uscc_check_char
    from kexie.members.joining import services as svc
    from kexie.orgs.models import Region

    seed()
    society = User.objects.get(username="demo-society").assignments.get().organisation
    svc.save_settings(SYSTEM, society, {
        "is_open": True, "categories": ["member"], "referees_required": 0, "decision_days": 15,
        "dues": {"member": 200}, "intro": "欢迎本领域单位和科技工作者加入。", "number_prefix": "", "disciplines": [],
        "accepts_groups": True})
    user = User(username="journey-unit", display_name="周海峰")
    user.set_password(PASSWORD)
    user.save()
    first17 = "91340100MA7JRNY01"
    region = Region.objects.filter(level="city").order_by("code").first()
    return society, first17 + uscc_check_char(first17), region


def switch_to(page, username: str) -> None:  # noqa: F811
    page.context.clear_cookies()
    log_in(page, username)


def test_a_unit_applies_on_a_phone_and_the_society_approves(page, live_server):  # noqa: F811
    from kexie.members.models_joining import GroupApplication

    society, uscc, region = set_up()
    page.set_viewport_size(PHONE)

    # 1. The applicant finds the society and applies for the unit.
    log_in(page, "journey-unit")
    page.goto(f"/members/societies/?q={society.name}")
    card = page.locator("#societies article", has_text=society.name)
    assert card.count() == 1 and fits(page)
    click_and_wait(page, card.get_by_role("button", name="单位入会"))
    page.get_by_label("单位名称").fill("澜州精密仪器有限公司")
    page.get_by_label("统一社会信用代码").fill(uscc[:17] + ("0" if uscc[17] != "0" else "1"))  # a typo first
    page.get_by_label("单位类型").select_option("enterprise")
    page.get_by_label("所在地区").select_option(str(region.pk))
    page.locator("#id_contact_name").fill("周海峰")
    page.get_by_label("联系人电话").fill("13905510188")
    page.get_by_label("入会申请陈述").fill("本单位有工程技术人员六十余人，希望加入学会参加学术交流。")
    assert fits(page)
    click_and_wait(page, page.get_by_role("button", name="提交单位入会申请"))
    assert "统一社会信用代码校验位不正确" in page.content() and fits(page)
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("单位公函（可选）").set_input_files(
        {"name": "入会申请函.pdf", "mimeType": "application/pdf", "buffer": PDF})
    click_and_wait(page, page.get_by_role("button", name="提交单位入会申请"))
    assert "单位入会申请已提交" in page.content()
    assert page.locator("#app-status").inner_text().strip() == "待审批" and fits(page)
    app = GroupApplication.objects.get(unit_uscc=uscc, society=society)
    assert app.letter_name == "入会申请函.pdf"

    # 2. The society's secretariat approves it from the 单位入会 tab of the queue.
    switch_to(page, "demo-society")
    page.goto("/members/applications/")
    click_and_wait(page, page.locator("#tab-groups"))
    click_and_wait(page, page.get_by_role("link", name="澜州精密仪器有限公司"))
    assert "139******88" in page.content() and "13905510188" not in page.content()
    click_and_wait(page, page.get_by_role("button", name="批准入会"))
    assert page.locator("#app-status").inner_text().strip() == "已批准"
    app.refresh_from_db()
    number = app.group_membership.number
    assert page.locator("#group-number").inner_text().startswith(number)

    # 3. The applicant sees the group membership on 我的.
    switch_to(page, "journey-unit")
    page.goto("/me/")
    item = page.locator("#group-applications article", has_text="澜州精密仪器有限公司")
    assert number in item.inner_text() and "已批准" in item.inner_text()
    assert fits(page)
