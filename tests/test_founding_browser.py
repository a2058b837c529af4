"""Browser journey for 网上组建企业科协 (headless Chromium through Playwright, 390x844): an individual opens the form
from the personal desk, picks the city 科协 from the suggestions and submits; the city's staff find it under
科协组建 and return it with a reason; the applicant corrects and resubmits; the staff approve; the applicant opens the
new association's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser import PHONE, click_and_wait, fits, log_in, page, seed, switch_to  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _uscc() -> str:
    from kexie.core.validators import uscc_check_char

    first17 = "91990100KJ0000777"
    return first17 + uscc_check_char(first17)


def test_apply_return_resubmit_approve_on_a_phone(page, live_server):  # noqa: F811
    from kexie.accounts.models import RoleAssignment
    from kexie.orgs.models_founding import FormationRequest

    staff_a, _staff_b = seed()
    today = timezone.localdate()
    city_a = staff_a.assignments.get().organisation
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.set_viewport_size(PHONE)

    # 1. The individual starts from the personal desk and fills the one page.
    log_in(page, "demo-volunteer")
    click_and_wait(page, page.locator("#found-association"))
    assert fits(page)
    page.get_by_label("企业（园区）名称").fill("澜州云帆传感技术有限公司")
    page.get_by_label("统一社会信用代码").fill(_uscc())
    parent = page.get_by_label("上级科协")
    parent.fill("澜州市科学")
    page.locator("#id_parent-choices option").first.wait_for(state="attached")
    suggestions = page.locator("#id_parent-choices option").evaluate_all("os => os.map(o => o.value)")
    chosen = next(s for s in suggestions if s.endswith(city_a.name))
    parent.fill(chosen)
    page.get_by_label("科技工作者人数").fill("18")
    page.get_by_label("拟任主席姓名").fill("陈海")
    page.get_by_label("拟任主席联系电话").fill("1391234")  # too short: the page says so
    page.get_by_label("拟任秘书长姓名").fill("林雪")
    page.get_by_label("拟任秘书长联系电话").fill("13712340000")
    page.get_by_label("成立大会日期").fill((today + dt.timedelta(days=10)).isoformat())
    click_and_wait(page, page.get_by_role("button", name="提交组建申请"))
    assert "拟任主席的联系电话格式不正确" in page.content() and fits(page)
    page.get_by_label("拟任主席联系电话").fill("13912345678")
    click_and_wait(page, page.get_by_role("button", name="提交组建申请"))
    assert "组建申请已提交" in page.content()
    req = FormationRequest.objects.get(applicant__username="demo-volunteer")
    assert req.proposed_name == "澜州云帆传感技术有限公司科协" and req.parent_id == city_a.pk
    assert "139******78" in page.content() and fits(page)

    # 2. The city's staff find it under 科协组建 and return it with a reason.
    switch_to(page, "demo-city-a")
    page.goto("/")
    menu = page.get_by_role("button", name="菜单")
    if menu.count() and menu.is_visible():
        menu.click()
    click_and_wait(page, page.get_by_role("link", name="科协组建", exact=True))
    click_and_wait(page, page.get_by_role("link", name=req.proposed_name))
    page.get_by_label("理由（退回或不予批准时必填，申请人会看到）").fill("请填写成立大会的实际召开日期")
    click_and_wait(page, page.get_by_role("button", name="退回修改"))
    assert page.locator("#request-status").inner_text().strip() == "退回修改" and asked

    # 3. The applicant corrects it and resubmits.
    switch_to(page, "demo-volunteer")
    page.goto(f"/orgs/founding/{req.pk}/")
    assert "请填写成立大会的实际召开日期" in page.content()
    click_and_wait(page, page.locator("#edit-request"))
    page.get_by_label("成立大会日期").fill((today - dt.timedelta(days=2)).isoformat())
    click_and_wait(page, page.get_by_role("button", name="重新提交"))
    assert page.locator("#request-status").inner_text().strip() == "待审批"

    # 4. The staff approve (asked first); the applicant now administers the new association.
    switch_to(page, "demo-city-a")
    page.goto(f"/orgs/founding/{req.pk}/")
    before = len(asked)
    click_and_wait(page, page.get_by_role("button", name="批准组建"))
    assert len(asked) == before + 1 and "授予申请人管理员角色" in asked[-1]
    assert page.locator("#request-status").inner_text().strip() == "已批准"
    req.refresh_from_db()
    assert RoleAssignment.objects.filter(user=req.applicant, organisation=req.organisation, role__code="admin").exists()

    switch_to(page, "demo-volunteer")
    page.goto(f"/orgs/founding/{req.pk}/")
    click_and_wait(page, page.locator("#request-org a"))
    assert req.organisation.name in page.content() and fits(page)
