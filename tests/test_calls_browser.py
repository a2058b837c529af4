"""Browser journey for 申报评审 (headless Chromium through Playwright): a scientist applies; the society
nominates; staff check and assign; two reviewers score on a phone-sized viewport; staff publish the ranking; the
applicant sees the result and downloads the PDF result letter.

What a journey cannot reasonably click is set up in Python: the call (through ``kexie.calls.services``, with a
small form and a quota for the society), an expert library of two experts with user accounts, and the end of the
public notice period (a date moved into the past with the ORM)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser import PASSWORD, PHONE, click_and_wait, log_in, page, seed, switch_to  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FORM = {"sections": [{"key": "basic", "title": "基本信息", "fields": [
    {"key": "summary", "label": "主要成就", "type": "text", "required": True}]}], "rules": []}
RUBRIC = [{"key": "innovation", "label": "创新性", "weight": 0.6, "max": 100, "guidance": "原创程度"},
          {"key": "impact", "label": "影响力", "weight": 0.4, "max": 100, "guidance": ""}]
TITLE = "新型储能材料的界面调控研究"


def set_up():
    """The call with a quota for demo-society, and two reviewers (persons with accounts) in its expert library."""
    from kexie.accounts.models import User
    from kexie.calls.experts import services as expert_services
    from kexie.calls.setup import services as setup_services
    from kexie.people.models import Person

    seed()
    staff = User.objects.get(username="demo-province")
    root = staff.assignments.get().organisation
    society = User.objects.get(username="demo-society").assignments.get().organisation
    city_b = User.objects.get(username="demo-city-b").assignments.get().organisation
    today = dt.date.today()
    d = lambda n: (today + dt.timedelta(days=n)).isoformat()  # noqa: E731
    stages = [{"code": "apply", "deadline": d(30)}, {"code": "nominate", "deadline": d(40)},
              {"code": "formal", "deadline": d(50)}, {"code": "review_corr", "deadline": d(60)},
              {"code": "notice", "deadline": d(70)}, {"code": "result", "deadline": ""}]
    call = setup_services.create_call(staff, owner=root, code="browser-journey-call", name="2026年度青年科技奖（浏览器）",
                                year=2026, type="talent", applicant_kind="person", eligibility=[], form_schema=FORM,
                                stages=stages, rubric=RUBRIC, reviews_per_application=2, notice_days=5)
    library = expert_services.create_library(staff, owner=root, name="浏览器评审专家库")
    call = setup_services.edit_call(staff, call, expert_library=library)
    call = setup_services.open_call(staff, call)
    setup_services.set_quotas(staff, call, {society: 2})
    reviewers = []
    for i, name in enumerate(("评审甲", "评审乙")):
        user = User(username=f"journey-reviewer-{i}", display_name=name)
        user.set_password(PASSWORD)
        user.save()
        reviewers.append(Person.objects.create(name=f"{name}专家", org=city_b, org_path=city_b.path,
                                               birth_date=dt.date(1970, 1, 1), title_level="senior",
                                               employer_name=f"浏览器评审单位{i}", user=user))
    expert_services.add_experts(staff, library, reviewers)
    type(call).objects.filter(pk=call.pk).update(expert_library=library)
    return call, society, [r.user.username for r in reviewers]


def test_apply_nominate_check_assign_review_publish_and_the_result_letter(page, live_server):  # noqa: F811
    from kexie.calls.models import Application, Call, Review

    call, society, reviewers = set_up()
    asked: list[str] = []  # destructive steps ask first (data-confirm, kexie/static/kexie/app.js); staff accept
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))

    # 1. The scientist applies through the society and submits.
    log_in(page, "demo-scientist")
    page.goto(f"/calls/{call.pk}/")
    assert page.locator("#eligibility").get_by_text("您符合本批次的申报条件。").is_visible()
    page.locator("#eligibility select[name=nominator]").select_option(str(society.pk))
    page.locator("#eligibility input[name=title]").fill(TITLE)
    click_and_wait(page, page.get_by_role("button", name="开始申报"))
    page.locator("#f-summary").fill("在固态电解质界面方面取得系列成果")
    click_and_wait(page, page.locator("#fill-form").get_by_role("button", name="提交", exact=True))
    assert page.get_by_text("申报已提交。").is_visible()
    app = Application.objects.get(call=call, title=TITLE)
    assert app.status == "submitted" and app.nominator_id == society.pk

    # 2. Staff move on to 单位推荐; the society nominates on its page.
    switch_to(page, "demo-province")
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：单位推荐"))
    assert page.get_by_text("已进入下一阶段。").is_visible()
    assert asked and asked[-1].startswith("阶段只能向前推进")
    switch_to(page, "demo-society")
    page.goto(f"/calls/{call.pk}/nominations/")
    row = page.locator("#nominees tr", has_text=TITLE)
    assert row.get_by_text("已提交").is_visible()
    click_and_wait(page, row.get_by_role("button", name="推荐", exact=True))
    assert page.locator("#nominees tr", has_text=TITLE).get_by_text("已推荐").is_visible()
    assert page.locator("#quotas tr", has_text=society.name).locator("strong").inner_text() == "1"  # 1 place left

    # 3. Staff: formal check passed, then the review stage and the assignment.
    switch_to(page, "demo-province")
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：形式审查"))
    page.goto(f"/calls/{call.pk}/formal/")
    entry = page.locator("article", has_text=TITLE)
    click_and_wait(page, entry.get_by_role("button", name="通过", exact=True))
    assert page.get_by_text("形式审查结论已保存。").is_visible()
    app.refresh_from_db()
    assert app.status == "formal_passed"
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：通讯评审"))
    page.goto(f"/calls/{call.pk}/results/")
    click_and_wait(page, page.locator("form[action$='/assign/'] button"))
    assert page.get_by_text("已分配 2 个评审任务。").is_visible()
    assert page.locator("#results tr", has_text=TITLE).get_by_text("评审中").is_visible()

    # 4. Two reviewers score on a phone.
    page.set_viewport_size(PHONE)
    for username, scores in zip(reviewers, [("88", "80"), ("76", "70")], strict=True):
        switch_to(page, username)
        page.goto("/calls/reviews/")
        item = page.locator("article.review-item", has_text=TITLE)
        click_and_wait(page, item.get_by_role("button", name="评审", exact=True))
        assert page.locator("form.review-form").first.bounding_box()["width"] <= PHONE["width"]  # the form fits
        page.locator("input[name=s-innovation]").fill(scores[0])
        page.locator("input[name=s-impact]").fill(scores[1])
        page.locator("select[name=recommendation]").select_option("recommend")
        page.locator("textarea[name=comment]").fill(f"{username}：创新性突出，建议入选。")
        click_and_wait(page, page.get_by_role("button", name="提交评审意见"))
        assert page.get_by_text("评审意见已提交。").first.is_visible()
    assert Review.objects.filter(call=call, status="submitted").count() == 2
    page.set_viewport_size({"width": 1280, "height": 900})

    # 5. Staff publish the ranking for 公示, and after the notice period the final results.
    switch_to(page, "demo-province")
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：公示"))
    page.goto(f"/calls/{call.pk}/results/")
    assert page.get_by_text("评审任务 2 个，已提交 2 份。").is_visible()
    ranking = page.locator("#results tbody tr", has_text=TITLE)
    assert ranking.locator("td").nth(1).inner_text() == "1"  # ranked first
    ranking.locator("input[name=apps]").check()
    click_and_wait(page, page.get_by_role("button", name="发布公示"))
    assert page.get_by_text("公示已发布。").is_visible()
    assert page.locator("#results tr", has_text=TITLE).get_by_text("公示中").is_visible()
    Call.objects.filter(pk=call.pk).update(notice_ends=dt.date.today() - dt.timedelta(days=1))  # the period is over
    page.goto(f"/calls/{call.pk}/")
    click_and_wait(page, page.get_by_role("button", name="进入下一阶段：结果"))
    page.goto(f"/calls/{call.pk}/results/")
    click_and_wait(page, page.get_by_role("button", name="发布结果"))
    assert page.get_by_text("结果已发布。").is_visible()
    assert page.locator("#results tr", has_text=TITLE).get_by_text("入选").is_visible()

    # 6. The applicant sees the result and downloads the letter.
    switch_to(page, "demo-scientist")
    page.goto(f"/calls/applications/{app.pk}/result/")
    assert page.locator("dl.kv .badge").inner_text() == "入选"
    assert page.get_by_text("专家 1").is_visible() and page.get_by_text("专家 2").is_visible()
    for username in reviewers:
        assert page.get_by_text(f"{username}：创新性突出，建议入选。").is_visible()
    assert page.get_by_text("评审甲专家").count() == 0  # reviewers stay anonymous
    with page.expect_download() as info:
        page.get_by_role("link", name="下载结果通知书（PDF）").click()
    download = info.value
    assert download.suggested_filename == f"result-letter-{app.pk}.pdf"
    with open(download.path(), "rb") as f:
        pdf = f.read()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    resp = page.request.get(f"/calls/applications/{app.pk}/letter.pdf")
    assert resp.status == 200 and resp.headers["content-type"] == "application/pdf"
