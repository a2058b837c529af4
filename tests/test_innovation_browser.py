"""Browser journey for 数字科创 (headless Chromium through Playwright, on a phone-sized viewport): an enterprise
user posts a technology need and submits it; province staff approve it and dispatch it to a society (点菜); the
society's secretariat answers with a service team and plan (科协报到), then marks the service done; the enterprise
rates the service and marks the need solved — and a service record is written for every expert of the team.

What a journey cannot reasonably click is set up in Python: the enterprise account (registered and verified
through ``kexie.innovation.services``) and the person ids of the society's members, which the answer form asks
for."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser import PASSWORD, PHONE, click_and_wait, log_in, page, seed, switch_to  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "数控滚齿机主轴热变形补偿"
COMPANY = "浏览器测试传动科技有限公司"


def pick(page, box, typed: str, pk: int) -> None:  # noqa: F811
    """A search-as-you-type picker: type a few characters, take the suggestion of record ``pk``."""
    box.fill(typed)
    option = box.locator("xpath=..").locator(f'datalist option[data-id="{pk}"]')
    option.wait_for(state="attached", timeout=15_000)
    box.fill(option.get_attribute("value"))


def status(page) -> str:  # noqa: F811
    return page.locator("#need-status").inner_text()


def set_up():
    """A verified enterprise with its own account, and three members of demo-society's society."""
    from kexie.accounts.models import User
    from kexie.core.validators import uscc_check_char
    from kexie.innovation.needs import enterprises
    from kexie.people.models import Person

    seed()
    user = User(username="journey-company", display_name="滚齿企业联系人")
    user.set_password(PASSWORD)
    user.save()
    first17 = "91990101" + "12345678" + "8"  # region 990101 (澜湖区) and a GB 11714 organisation code
    ent = enterprises.register_enterprise(user, name=COMPANY, uscc=first17 + uscc_check_char(first17),
                                          contact_name="钱工", contact_phone="13700001111", industry="34",
                                          region_code="990101", address="澜州市澜湖区测试路1号")
    enterprises.verify_enterprise(User.objects.get(username="demo-province"), ent, "verify")
    society = User.objects.get(username="demo-society").assignments.get().organisation
    experts = list(Person.objects.filter(memberships__society=society, memberships__status__in=("new", "current",
                                                                                                "grace"),
                                         deleted_at__isnull=True).distinct().order_by("pk")[:3])
    assert len(experts) == 3
    return ent, society, experts


def test_post_approve_dispatch_answer_complete_and_rate(page, live_server):  # noqa: F811
    from kexie.innovation.models import Dispatch, Need, ServiceRecord

    ent, society, experts = set_up()
    leader, members = experts[0], experts[1:]
    page.set_viewport_size(PHONE)

    # 1. The enterprise posts a need through the form, saves the draft, then submits it for review.
    log_in(page, "journey-company")
    page.goto("/innovation/")
    click_and_wait(page, page.get_by_role("button", name="发布需求"))  # a link styled as a button
    page.get_by_label("需求名称").fill(TITLE)
    page.get_by_label("需求描述").fill("滚齿机连续加工2小时后主轴温升约12 ℃，齿距累积误差超差。希望建立热变形补偿模型，"
                                    "将加工精度稳定在GB/T 10095 6级。")
    page.get_by_label("所属行业").select_option("34")
    page.get_by_label("需求类型").select_option("research")
    page.get_by_label("所在地区代码").fill("990101")
    page.get_by_label("预算（万元）").fill("35")
    page.get_by_label("期望解决时间").fill((dt.date.today() + dt.timedelta(days=120)).isoformat())
    click_and_wait(page, page.get_by_role("button", name="保存草稿"))
    assert page.get_by_text("草稿已保存。").is_visible()
    assert status(page) == "草稿"
    need = Need.objects.get(title=TITLE)
    assert need.enterprise_id == ent.pk and need.owner_id == ent.host_id
    click_and_wait(page, page.get_by_role("button", name="提交审核"))
    assert status(page) == "已提交"

    # 2. Province staff approve it on the need page and dispatch it to the society.
    switch_to(page, "demo-province")
    page.goto(f"/innovation/{need.pk}/")
    assert page.get_by_role("heading", name=TITLE).is_visible()
    click_and_wait(page, page.get_by_role("button", name="通过并发布"))
    assert status(page) == "已发布"
    pick(page, page.locator("#dispatch").get_by_label("承接学会"), society.name[:4], society.pk)
    assert page.locator("#dispatch .picker-chips input:checked").count() == 1
    page.get_by_label("派单说明").fill("请组织机床与测控方向专家响应")
    click_and_wait(page, page.get_by_role("button", name="派单", exact=True))
    assert status(page) == "对接中"
    row = page.locator("#dispatches tbody tr", has_text=society.name)
    assert row.get_by_text("待响应").is_visible()

    # 3. The society's secretariat finds the need in its list and answers the dispatch with a team and plan.
    switch_to(page, "demo-society")
    page.goto("/innovation/")
    click_and_wait(page, page.get_by_role("link", name=TITLE))
    click_and_wait(page, page.locator("#dispatches").get_by_role("link", name=society.name))
    assert page.locator("#dispatch-status").inner_text() == "待响应"
    leader_box = page.get_by_label("服务团队负责人")
    assert leader_box.bounding_box()["width"] <= PHONE["width"]  # the answer form fits the phone
    pick(page, leader_box, leader.name, leader.pk)  # people are found by name, not typed as ids
    for p in members:  # each team member found by name becomes a ticked box
        pick(page, page.get_by_label("团队成员"), p.name, p.pk)
    assert page.locator('input[name="team_ids"]:checked').count() == len(members)
    page.get_by_label("服务方案").fill("组织热误差建模专家入企测温，建立主轴热伸长补偿模型并写入数控系统。")
    click_and_wait(page, page.get_by_role("button", name="组建团队并响应"))
    assert page.locator("#dispatch-status").inner_text() == "已响应"
    team = page.locator("dl.kv")
    assert team.get_by_text(leader.name, exact=True).first.is_visible()
    d = Dispatch.objects.get(need=need, society=society)
    assert d.team_leader_id == leader.pk and {p.pk for p in d.team.all()} == {p.pk for p in experts}
    page.get_by_label("服务成效").fill("补偿后齿距累积误差降至8 μm，达到6级精度。")
    click_and_wait(page, page.get_by_role("button", name="服务完成"))
    assert page.locator("#dispatch-status").inner_text() == "服务完成"

    # 4. The enterprise sees the team on its need, rates the service with five stars and marks the need solved.
    switch_to(page, "journey-company")
    page.goto(f"/innovation/{need.pk}/")
    assert status(page) == "已对接"
    row = page.locator("#dispatches tbody tr", has_text=society.name)
    assert row.get_by_text("服务完成").is_visible()
    assert leader.name in row.inner_text()
    row.get_by_label("评分").select_option("5")
    row.get_by_label("评价意见").fill("响应快，补偿效果明显")
    click_and_wait(page, row.get_by_role("button", name="评价"))
    row = page.locator("#dispatches tbody tr", has_text=society.name)
    assert "5/5 响应快，补偿效果明显" in row.inner_text()
    records = ServiceRecord.objects.filter(dispatch=d)
    assert {r.expert_id for r in records} == {p.pk for p in experts}
    assert {(r.rating, r.society_id, r.enterprise_id, r.source) for r in records} == {(5, society.pk, ent.pk,
                                                                                        "dispatch")}
    page.get_by_text("办结", exact=True).click()
    page.get_by_label("解决情况").fill("热变形补偿已投入使用，产品一次交检合格率提升到98%。")
    click_and_wait(page, page.get_by_role("button", name="标记为已解决"))
    assert status(page) == "已解决"
    history = page.locator("#history").inner_text()
    for step in ("创建", "提交审核", "审核通过并发布", "派单", "学会响应", "服务完成", "企业评价", "已解决"):
        assert step in history
