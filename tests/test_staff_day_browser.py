"""Browser journeys of the staff's working day (issue 15, "How it is checked"; headless Chromium through
Playwright): the province checks a call's applications in a batch, closes an abandoned one and assigns reviewers;
the demo reviewer (demo-expert) scores on a phone; the province publishes the results; the province enters an
expert score and runs an evaluation from /evaluation/, watching its progress until the ranking shows
(decision 0047); a city approves a need and dispatches it to a society.

What a journey cannot reasonably click is set up in Python through the services: the call with three submitted
applications and one returned that its applicant abandons, the call's expert library holding demo-expert, the
need submitted by an enterprise, the end of the public notice period (a date moved into the past)."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest

from tests.browser import PHONE, click_and_wait, log_in, page, seed, switch_to  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESK = {"width": 1280, "height": 900}


def _confirming(page) -> list[str]:  # noqa: F811
    """Destructive forms ask first (data-confirm); staff accept. The questions asked, in order."""
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    return asked


# -- a call: batch check, an abandoned application closed, reviewers assigned, a phone review, results ----------

FORM = {"sections": [{"key": "basic", "title": "基本信息", "fields": [
    {"key": "summary", "label": "主要成就", "type": "text", "required": True}]}], "rules": []}
RUBRIC = [{"key": "innovation", "label": "创新性", "weight": 1, "max": 100, "guidance": "原创程度"}]
TITLES = ["深部地热梯级利用", "稻渔综合种养模式", "基层医疗影像云平台", "非遗竹编数字化"]
CALL_NAME = "2026年度科技创新成果评选（工作日）"


def set_up_call():
    """A call in 形式审查 with three submitted applications and a fourth returned for more material, whose applicant
    (with an account, for the notice) never resubmits; its expert library holds demo-expert, one review each."""
    from kexie.accounts.models import User
    from kexie.calls.applications import services as app_services
    from kexie.calls.experts import services as expert_services
    from kexie.calls.setup import services as setup_services
    from kexie.core.services import SYSTEM
    from kexie.people.models import Person

    seed()
    staff = User.objects.get(username="demo-province")
    root = staff.assignments.get().organisation
    city_b = User.objects.get(username="demo-city-b").assignments.get().organisation
    reviewer = Person.objects.get(user__username="demo-expert")
    library = expert_services.create_library(staff, owner=root, name="工作日评审专家库")
    expert_services.add_experts(staff, library, [reviewer])
    today = dt.date.today()
    d = lambda n: (today + dt.timedelta(days=n)).isoformat()  # noqa: E731
    call = setup_services.create_call(
        staff, owner=root, code="staff-day-call", name=CALL_NAME, year=2026, type="popsci", applicant_kind="person",
        form_schema=FORM, rubric=RUBRIC, expert_library=library, reviews_per_application=1, notice_days=5,
        stages=[{"code": "apply", "deadline": d(30)}, {"code": "formal", "deadline": d(50)},
                {"code": "review_corr", "deadline": d(60)}, {"code": "notice", "deadline": d(70)},
                {"code": "result", "deadline": ""}])
    call = setup_services.open_call(staff, call)
    apps = []
    for i, title in enumerate(TITLES):
        account = User.objects.create(username="staff-day-applicant") if i == 3 else None
        person = Person.objects.create(name=f"工作日申报人{i}", org=city_b, org_path=city_b.path,
                                       birth_date=dt.date(1985, 1, 1), user=account)
        app = app_services.start_application(SYSTEM, call, person=person, title=title)
        apps.append(app_services.submit(SYSTEM, app, {"summary": f"{title}的主要成果"}))
    call = setup_services.advance_stage(staff, call)  # → 形式审查
    apps[3] = app_services.formal_check(staff, apps[3], "return", ["材料不齐全"], "请补充第三方检测报告。")
    return call, apps


def test_a_call_day_batch_check_close_assign_phone_review_and_results(page, live_server):  # noqa: F811
    from kexie.calls.models import Application, Call, Review

    call, apps = set_up_call()
    asked = _confirming(page)
    page.set_viewport_size(DESK)

    # 1. The province checks the three waiting applications at once on the call's application list.
    log_in(page, "demo-province")
    page.goto(f"/calls/{call.pk}/applications/")
    boxes = page.locator("input[name=ids]")
    assert boxes.count() == 3  # the returned one is not in the formal-check queue
    for app in apps[:3]:
        page.locator(f"input[name=ids][value='{app.pk}']").check()
    click_and_wait(page, page.get_by_role("button", name="通过所选"))
    assert page.get_by_text("已处理 3 份申报：通过。").is_visible()
    assert page.locator("input[name=ids]").count() == 0
    assert [Application.objects.get(pk=a.pk).status for a in apps] == ["formal_passed"] * 3 + ["returned"]

    # 2. The returned one blocks the next stage; the province closes it with the reason recorded.
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：通讯评审"))
    assert page.get_by_text("还有 1 份申报未完成形式审查。").is_visible()
    page.goto(f"/calls/applications/{apps[3].pk}/")
    page.locator("#close textarea[name=reason]").fill("申报人逾期未补充材料，按放弃处理。")
    click_and_wait(page, page.locator("#close").get_by_role("button", name="关闭申报"))
    assert asked and "确定现在关闭吗" in asked[-1]
    assert page.get_by_text("申报已关闭，已通知申报人。").is_visible()
    assert page.locator("#history").get_by_text("申报人逾期未补充材料，按放弃处理。").is_visible()
    assert Application.objects.get(pk=apps[3].pk).status == "closed"
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：通讯评审"))
    assert page.get_by_text("已进入下一阶段。").is_visible()

    # 3. The province assigns the reviewers on the results page.
    page.goto(f"/calls/{call.pk}/results/")
    click_and_wait(page, page.locator("form[action$='/assign/'] button"))
    assert page.get_by_text("已分配 3 个评审任务。").is_visible()
    for title in TITLES[:3]:
        assert page.locator("#results tr", has_text=title).get_by_text("评审中").is_visible()

    # 4. The demo reviewer scores the three on a phone.
    page.set_viewport_size(PHONE)
    switch_to(page, "demo-expert")
    page.goto("/calls/reviews/")
    assert all(page.locator("article.review-item", has_text=title).is_visible() for title in TITLES[:3])
    assert page.locator("article.review-item", has_text=TITLES[3]).count() == 0  # the closed one is not reviewed
    for k, title in enumerate(TITLES[:3]):
        page.goto("/calls/reviews/")
        item = page.locator("article.review-item", has_text=title)
        click_and_wait(page, item.get_by_role("button", name="评审", exact=True))
        form = page.locator("form.review-form").first
        assert form.bounding_box()["width"] <= PHONE["width"]  # the form fits the phone
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.locator("input[name=s-innovation]").fill(str(90 - 8 * k))
        page.locator("select[name=recommendation]").select_option("recommend")
        page.locator("textarea[name=comment]").fill(f"{title}：思路清晰，建议支持。")
        click_and_wait(page, page.get_by_role("button", name="提交评审意见"))
        assert page.get_by_text("评审意见已提交。").first.is_visible()
    assert Review.objects.filter(call=call, status="submitted").count() == 3

    # 5. The province publishes the ranking for 公示, then, after the notice period, the results.
    page.set_viewport_size(DESK)
    switch_to(page, "demo-province")
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：公示"))
    page.goto(f"/calls/{call.pk}/results/")
    assert page.get_by_text("评审任务 3 个，已提交 3 份。").is_visible()
    first = page.locator("#results tbody tr", has_text=TITLES[0])
    assert first.locator("td").nth(1).inner_text() == "1"  # the best score ranks first
    for title in TITLES[:3]:
        page.locator("#results tbody tr", has_text=title).locator("input[name=apps]").check()
    click_and_wait(page, page.get_by_role("button", name="发布公示"))
    assert page.get_by_text("公示已发布。").is_visible()
    assert page.locator("#results tbody tr", has_text="公示中").count() == 3
    Call.objects.filter(pk=call.pk).update(notice_ends=dt.date.today() - dt.timedelta(days=1))  # the period is over
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：结果"))
    page.goto(f"/calls/{call.pk}/results/")
    click_and_wait(page, page.get_by_role("button", name="发布结果"))
    assert page.get_by_text("结果已发布。").is_visible()
    assert page.locator("#results tbody tr", has_text=TITLES[0]).get_by_text("入选").is_visible()
    assert Call.objects.get(pk=call.pk).results_published_at is not None


# -- the province runs an evaluation from the page and enters an expert score ------------------------------------

def _run_like_the_worker(run_id: int) -> threading.Thread:
    """What the task worker does with a queued run, in a thread of this process with its own connection."""
    from django.db import connection

    from kexie.evaluation import services

    def work() -> None:
        try:
            services.perform_run(run_id)
        finally:
            connection.close()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_the_province_enters_an_expert_score_and_runs_an_evaluation_with_progress(  # noqa: F811
        page, live_server, settings, monkeypatch):  # noqa: F811
    from kexie.evaluation import services
    from kexie.evaluation.models import EvaluationRun, IndicatorSystem, RunStatus, Score, SourceType

    seed()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.KEXIE_EVAL_PROGRESS_SHARE = 0.25
    system = IndicatorSystem.objects.get(preset="society_annual")
    seeded = EvaluationRun.objects.get(system=system, is_current=True)
    year = seeded.year
    expert = system.indicators.get(source_type=SourceType.EXPERT)
    org = services.targets(system).orgs[0]
    # the worker pauses after its first batch until the page has shown the count
    shown = threading.Event()
    original = services._progress

    def pausing(run, done):
        original(run, done)
        shown.wait(60)  # at once when the page has shown it

    monkeypatch.setattr(services, "_progress", pausing)
    page.set_viewport_size(DESK)
    log_in(page, "demo-province")

    # 1. 录入专家评分 from the system's page: one organisation's score, saved.
    page.goto(f"/evaluation/systems/{system.pk}/")
    click_and_wait(page, page.get_by_role("link", name="录入专家评分"))
    assert page.locator("input[name=year]").first.input_value() == str(year)
    page.get_by_label(f"{org.name} {expert.name}").fill("77.7")
    page.locator(f"input[name=n-{org.pk}-{expert.pk}]").fill("答辩材料完整，特色突出")
    click_and_wait(page, page.get_by_role("button", name="保存", exact=True))
    assert page.get_by_text("已保存 1 项专家评分。").is_visible()
    assert page.get_by_label(f"{org.name} {expert.name}").input_value() == "77.70"
    assert page.get_by_text("省科协工作人员").first.is_visible()  # who entered it

    # 2. 开始评价 on /evaluation/: the run's page opens at once, queued for the worker.
    page.goto("/evaluation/")
    start = page.locator("#start-run")
    start.get_by_label("指标体系").select_option(label=system.name)
    assert start.get_by_label("评价年度").input_value() == str(year)
    click_and_wait(page, start.get_by_role("button", name="开始评价"))
    run = EvaluationRun.objects.exclude(pk=seeded.pk).get(system=system, year=year)
    assert page.url.endswith(f"/evaluation/runs/{run.pk}/")
    assert page.get_by_text(f"已开始 {year} 年度评价，正在后台计算").is_visible()
    page.locator("#run-status", has_text="排队中").wait_for()
    # a second start of the same year meanwhile is refused, with the reason
    page.goto("/evaluation/")
    assert page.locator("#runs tbody tr", has_text="排队中").count() == 1
    page.locator("#start-run").get_by_label("指标体系").select_option(label=system.name)
    click_and_wait(page, page.locator("#start-run").get_by_role("button", name="开始评价"))
    assert page.get_by_text(f"{system.name} {year} 年度的评价正在进行（排队中），请等它完成后再开始。").is_visible()
    assert EvaluationRun.objects.filter(system=system, year=year).count() == 2
    page.goto(f"/evaluation/runs/{run.pk}/")

    # 3. The worker runs: the page counts the organisations while it writes, then shows the ranking by itself.
    worker = _run_like_the_worker(run.pk)
    total = len(services.targets(system).ids)
    count = page.locator("#run-count", has_text=re.compile(rf"已评价 [1-9]\d* / {total} 个组织"))
    count.wait_for()
    assert 0 < int(page.locator("#run-progress").get_attribute("value")) < 100
    shown.set()
    page.locator("#ranking").wait_for(timeout=60_000)  # the page reloaded itself when the run was done
    worker.join(30)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.is_current and run.orgs_done == run.organisations == total
    assert page.locator("#run-status").count() == 0
    assert page.get_by_text(f"参评组织 {total} 个").is_visible()
    assert page.get_by_text("历史结果").first.is_visible()  # the seeded run of the year is history now

    # 4. The organisation's explanation shows the expert score just entered.
    score = Score.objects.get(run=run, organisation=org)
    page.goto(f"/evaluation/scores/{score.pk}/")
    row = page.locator("table.explain tr", has_text=expert.name)
    assert "77.7" in row.inner_text() and "缺失" not in row.inner_text()
    page.goto("/evaluation/")
    assert page.locator("#runs tbody tr", has_text="当前结果").count() >= 1
    assert page.locator("#runs tbody tr", has_text="排队中").count() == 0


# -- a city approves a need and dispatches it to a society ----------------------------------------------------

NEED = "冷轧辊表面激光强化工艺"


def set_up_need():
    """An enterprise in city A's region (served by city A's association, verified by its staff) has submitted a
    need; city A has a society of its own, added through the organisation service."""
    from kexie.accounts.models import User
    from kexie.core.validators import uscc_check_char
    from kexie.innovation.needs import enterprises
    from kexie.innovation.needs import services as need_services
    from kexie.orgs.models import OrgKind
    from kexie.orgs.services import create_organisation

    seed()
    city_staff = User.objects.get(username="demo-city-a")
    city = city_staff.assignments.get().organisation
    society = create_organisation(city_staff, city, {
        "name": "A市机械工程学会（工作日）", "code": "SD0000001", "kind": OrgKind.objects.get(code="society"),
        "level": city.level, "region": city.region})
    user = User(username="staff-day-company", display_name="轧辊企业联系人")
    user.set_password("kexie-demo")
    user.save()
    first17 = "91" + city.region.code + "12345678" + "9"
    ent = enterprises.register_enterprise(user, name="工作日轧辊制造有限公司", uscc=first17 + uscc_check_char(first17),
                                          contact_name="孙工", contact_phone="13700002222", industry="34",
                                          region_code=city.region.code, address="A市测试路2号")
    assert ent.host_id == city.pk  # city A serves it: city A approves its needs
    enterprises.verify_enterprise(city_staff, ent, "verify")
    need = need_services.create_need(user, title=NEED, industry="34", kind="research",
                                     description="冷轧辊服役中表面剥落，希望用激光淬火提高表层硬度和耐磨性，延长换辊周期。")
    need_services.submit_need(user, need)
    return need, society


def test_a_city_approves_a_need_and_dispatches_it_to_its_society(page, live_server):  # noqa: F811
    from kexie.innovation.models import Dispatch, Need

    need, society = set_up_need()
    page.set_viewport_size(DESK)
    log_in(page, "demo-city-a")

    # 1. The need waits for city A's review; city A approves it.
    page.goto(f"/innovation/{need.pk}/")
    assert page.get_by_role("heading", name=NEED).is_visible()
    assert page.locator("#need-status").inner_text() == "已提交"
    click_and_wait(page, page.get_by_role("button", name="通过并发布"))
    assert page.locator("#need-status").inner_text() == "已发布"

    # 2. City A dispatches it to its own society, picked by name from the suggestions.
    dispatch = page.locator("#dispatch")
    box = dispatch.get_by_label("承接学会")
    box.fill(society.name[:4])
    option = page.locator("datalist option", has_text=society.name).or_(
        page.locator(f"datalist option[value*='{society.name}']"))
    try:
        option.first.wait_for(state="attached", timeout=10_000)
        suggested = True
    except Exception:  # no suggestions list on this page: the typed name is resolved on submit
        suggested = False
    if suggested:
        box.fill(option.first.get_attribute("value") or society.name)  # chosen: it becomes a ticked chip
        assert dispatch.locator("label", has_text=society.name).locator("input:checked").count() == 1
    else:
        box.fill(society.name)
    dispatch.get_by_label("派单说明").fill("请组织材料与热处理方向专家响应")
    click_and_wait(page, dispatch.get_by_role("button", name="派单", exact=True))
    assert page.get_by_text(f"已派单给{society.name}").first.is_visible()
    assert page.locator("#need-status").inner_text() == "对接中"
    row = page.locator("#dispatches tbody tr", has_text=society.name)
    assert row.get_by_text("待响应").is_visible()
    d = Dispatch.objects.get(need=need)
    assert d.society_id == society.pk and Need.objects.get(pk=need.pk).status == "matching"
