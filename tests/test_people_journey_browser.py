"""The people's platform end to end on a phone (issue 14's first check, in one journey): a new person registers by
phone, verifies with their ID number, finds a society by discipline and applies; the society approves; the person
sees the membership on the e-card and downloads the certificate; an anonymous visitor verifies it. Run with
``pytest -m browser``."""

from __future__ import annotations

import os

import pytest

from tests.browser import PHONE, click_and_wait, fits, page, switch_to  # noqa: F401 - the page fixture
from tests.test_signup_browser import PASSWORD, id_number, register_by_phone, sms_outbox  # noqa: F401 - a fixture

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def open_society():
    """What the society's staff set on its join settings page: open, one discipline, no referees."""
    from kexie.accounts.models import User
    from kexie.core.services import SYSTEM
    from kexie.members.joining import services as svc
    from kexie.members.models_joining import JoinSettings
    from kexie.people.models import Discipline

    society = User.objects.get(username="demo-society").assignments.get().organisation
    discipline = Discipline.objects.filter(parent__isnull=True, code="150").first()
    svc.save_settings(SYSTEM, society, {
        "is_open": True, "categories": ["member", "student"], "referees_required": 0, "decision_days": 15,
        "dues": {"member": 200, "student": 50}, "intro": "欢迎本领域科技工作者加入。", "number_prefix": "",
        "disciplines": [discipline]})
    JoinSettings.objects.exclude(society=society).update(is_open=False)
    return society, discipline


def test_a_new_person_registers_verifies_joins_and_proves_it(page, live_server, sms_outbox):  # noqa: F811
    from kexie.members.models_joining import MembershipApplication
    from kexie.people.models import Person
    from kexie.signup.services import associations
    from tests.browser import seed

    seed()
    society, discipline = open_society()
    county = associations().filter(level="county").order_by("pk").first()

    # 1. Registers by phone and verifies with an ID number no registry record has: a new record, on 我的.
    register_by_phone(page, sms_outbox, "13700003333", "new-chemist", "李化新")
    page.get_by_label("姓名").fill("李化新")
    page.get_by_label("身份证号码").fill(id_number("517"))
    page.get_by_role("button", name="提交认证").click()
    page.locator("#org-choice").wait_for()
    page.locator("#org-search").fill(county.name[:4])
    page.locator(f"#org-options input[value='{county.pk}']").check()
    page.get_by_role("button", name="建立档案并完成认证").click()
    page.wait_for_url("**/me/")
    person = Person.objects.get(user__username="new-chemist")

    # 2. Finds the society by discipline and applies.
    page.goto("/members/societies/")
    page.locator("#society-filter").get_by_label("学科").select_option(discipline.code)
    click_and_wait(page, page.locator("#society-filter").get_by_role("button", name="查找"))
    card = page.locator("#societies article", has_text=society.name)
    assert card.count() == 1 and fits(page)
    click_and_wait(page, card.get_by_role("button", name="申请入会"))
    page.get_by_label("会员类别").select_option("member")
    page.get_by_label("入会申请陈述").fill("从事应用化学研究八年，希望加入学会参加学术交流。")
    click_and_wait(page, page.get_by_role("button", name="提交入会申请"))
    assert "入会申请已提交" in page.content()
    app = MembershipApplication.objects.get(person=person, society=society)

    # 3. The society approves it.
    switch_to(page, "demo-society")
    page.goto(f"/members/applications/{app.pk}/")
    click_and_wait(page, page.get_by_role("button", name="批准入会"))
    app.refresh_from_db()
    number = app.membership.number

    # 4. The person sees the membership and downloads the certificate.
    switch_to(page, "new-chemist", PASSWORD)
    page.goto("/members/applications/mine/")
    click_and_wait(page, page.locator("#memberships article", has_text=society.name).get_by_role(
        "link", name="会员卡与证书"))
    assert page.locator("#card-number").inner_text() == number and fits(page)
    code = page.locator("#cert-code").inner_text()
    with page.expect_download() as info:
        page.locator("#certificate-link").click()
    assert info.value.path().read_bytes().startswith(b"%PDF")

    # 5. An anonymous visitor verifies it.
    page.context.clear_cookies()
    page.goto("/members/verify/")
    page.get_by_label("证书验证码").fill(code)
    click_and_wait(page, page.get_by_role("button", name="验证"))
    result = page.locator("#verify-result")
    assert result.get_attribute("data-state") == "valid" and number in result.inner_text()
    assert "李化新" not in result.inner_text() and fits(page)
