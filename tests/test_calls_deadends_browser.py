"""Browser journey (desktop): the province checks applications in a batch on the call's application list — three
passed at once, one returned with a reason —, closes the returned one its applicant abandons (asked first, warned
that the applicant could still resubmit), and the call moves on to review (decision 0039).

The call, its expert library and four submitted applications are set up in Python."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.test_browser import log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FORM = {"sections": [{"key": "basic", "title": "基本信息", "fields": [
    {"key": "summary", "label": "主要成就", "type": "text", "required": True}]}], "rules": []}
RUBRIC = [{"key": "innovation", "label": "创新性", "weight": 1, "max": 100, "guidance": ""}]
TITLES = ["界面调控研究", "低空遥感监测", "盐碱地改良技术", "古籍数字化整理"]


def set_up():
    from kexie.accounts.models import User
    from kexie.calls.applications import services as app_services
    from kexie.calls.experts import services as expert_services
    from kexie.calls.setup import services as setup_services
    from kexie.core.services import SYSTEM
    from kexie.people.models import Person

    seed()
    staff = User.objects.get(username="demo-province")
    root = staff.assignments.get().organisation
    city_a = User.objects.get(username="demo-city-a").assignments.get().organisation
    today = dt.date.today()
    d = lambda n: (today + dt.timedelta(days=n)).isoformat()  # noqa: E731
    library = expert_services.create_library(staff, owner=root, name="批量审查专家库")
    call = setup_services.create_call(
        staff, owner=root, code="batch-journey-call", name="2026年度科普项目（批量审查）", year=2026, type="popsci",
        applicant_kind="person", form_schema=FORM, rubric=RUBRIC, expert_library=library,
        stages=[{"code": "apply", "deadline": d(30)}, {"code": "formal", "deadline": d(50)},
                {"code": "review_corr", "deadline": d(60)}, {"code": "result", "deadline": ""}])
    call = setup_services.open_call(staff, call)
    apps = []
    for i, title in enumerate(TITLES):
        account = User.objects.create(username="batch-journey-applicant") if i == 3 else None
        person = Person.objects.create(name=f"批量申报人{i}", org=city_a, org_path=city_a.path,
                                       birth_date=dt.date(1990, 1, 1), user=account)
        app = app_services.start_application(SYSTEM, call, person=person, title=title)
        apps.append(app_services.submit(SYSTEM, app, {"summary": "成果"}))
    setup_services.advance_stage(staff, call)  # → 形式审查
    return call, apps


def click_and_wait(page, locator) -> None:  # noqa: F811
    with page.expect_navigation():
        locator.click()


def test_the_province_checks_a_batch_and_closes_an_abandoned_application(page, live_server):  # noqa: F811
    from kexie.calls.models import Application, Call
    from kexie.notices.models import Notification

    call, apps = set_up()
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "demo-province")
    page.goto(f"/calls/{call.pk}/applications/")
    assert page.locator("#totals").inner_text().startswith("已提交申报 4 份")

    # 1. Three ticked, passed at once.
    for app in apps[:3]:
        page.locator(f"input[name=ids][value='{app.pk}']").check()
    click_and_wait(page, page.get_by_role("button", name="通过所选"))
    assert page.get_by_text("已处理 3 份申报：通过。").is_visible()
    assert [Application.objects.get(pk=a.pk).status for a in apps] == ["formal_passed"] * 3 + ["submitted"]
    assert page.locator("input[name=ids]").count() == 1  # only the one still waiting keeps its box

    # 2. The last one returned with a reason (asked first).
    page.locator(f"input[name=ids][value='{apps[3].pk}']").check()
    page.get_by_text("退回所选（填写原因）").click()
    page.locator("#batch").get_by_label("材料不齐全").check()
    page.locator("#batch textarea[name=comment]").fill("请补充作品样本。")
    click_and_wait(page, page.get_by_role("button", name="退回所选", exact=True))
    assert asked and asked[-1].startswith("确定将所选申报退回修改吗？")
    assert page.get_by_text("已处理 1 份申报：退回修改。").is_visible()
    returned = Application.objects.get(pk=apps[3].pk)
    assert (returned.status, returned.status_reason) == ("returned", "材料不齐全；请补充作品样本。")

    # 3. The stage cannot move on while it waits; the refusal says where to close it.
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：通讯评审"))
    assert page.get_by_text("还有 1 份申报未完成形式审查。").is_visible()
    assert page.get_by_text("可在申报页关闭").is_visible()

    # 4. The applicant never resubmits: staff close it with the reason, warned that the deadline is still ahead.
    page.goto(f"/calls/applications/{returned.pk}/")
    assert page.locator("#close").get_by_text("提醒：申报人仍可在").is_visible()
    page.locator("#close textarea[name=reason]").fill("申报人表示不再补充材料。")
    click_and_wait(page, page.locator("#close").get_by_role("button", name="关闭申报"))
    assert asked[-1].startswith("申报人仍可提交这份申报。确定现在关闭吗？")
    assert page.get_by_text("申报已关闭，已通知申报人。").is_visible()
    assert page.locator("#history").get_by_text("申报人表示不再补充材料。").is_visible()
    assert Application.objects.get(pk=returned.pk).status == "closed"
    notice = Notification.objects.get(user__username="batch-journey-applicant", key__contains="closed")
    assert call.name in notice.title and notice.body == "申报人表示不再补充材料。"

    # 5. Now the call moves on to review.
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：通讯评审"))
    assert page.get_by_text("已进入下一阶段。").is_visible()
    assert Call.objects.get(pk=call.pk).current_stage == "review_corr"
