"""Browser journey for reporting and evaluation (headless Chromium through Playwright): a society
secretariat fills and submits the annual report; the province returns it; the society fixes it and
submits again; the province accepts; the evaluation run shows the society's score and why."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kexie.core.services import SYSTEM
from tests.browser import log_in, page, seed, switch_to  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def submit_form(page, button: str) -> None:  # noqa: F811
    with page.expect_navigation():
        page.locator("#fill-form").get_by_role("button", name=button, exact=True).click()


def test_fill_return_fix_accept_and_see_the_score(page, live_server, settings):  # noqa: F811
    from kexie.evaluation.models import Score
    from kexie.evaluation.services import install_preset
    from kexie.reports.models import EventAction, Submission, SubmissionStatus

    seed()
    # the evaluation run started from the page runs at once, as in the demo (a worker runs it in production)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from kexie.accounts.models import User

    society = User.objects.get(username="demo-society").assignments.get().organisation
    sub = (Submission.objects.select_related("campaign")  # last year's (this year's campaign is open too)
           .filter(campaign__version__form__code="society_annual", organisation=society)
           .order_by("campaign__year").first())
    year = sub.campaign.year
    # The seeded report of last year, reopened as a draft: the journey starts where a secretariat would.
    Submission.objects.filter(pk=sub.pk).update(status=SubmissionStatus.DRAFT, revision=0, comment="")
    install_preset(SYSTEM, "society_annual")

    # 1. The society fills in a figure that breaks a rule: submitting is refused with the rule's message.
    log_in(page, "demo-society")
    page.goto("/reports/")
    page.locator(f'#mine a[href="/reports/submissions/{sub.pk}/"]').click()  # last year's, reopened
    page.locator("#fill-form").wait_for()
    members = int(page.locator("#f-individual_members").input_value())
    page.locator("#f-new_members").fill(str(members + 5))
    submit_form(page, "提交")
    assert page.get_by_role("alert").first.is_visible()
    assert "新发展会员" in page.locator(".errorlist").inner_text()
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.DRAFT

    # 2. Fixed, it goes in.
    page.locator("#f-new_members").fill("3")
    submit_form(page, "提交")
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.SUBMITTED and sub.revision == 1

    # 3. The province returns it with a comment (returning asks first: data-confirm).
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    switch_to(page, "demo-province")
    page.goto(f"/reports/submissions/{sub.pk}/review/")
    page.locator("#review-box textarea[name=comment]").fill("请核对科普受众人次")
    with page.expect_navigation():
        page.locator("#review-box").get_by_role("button", name="退回修改").click()
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.RETURNED and asked == ["确定退回这份填报吗？填报单位将收到退回意见。"]

    # 4. The society sees the comment, corrects the figure and submits again.
    switch_to(page, "demo-society")
    page.goto(f"/reports/submissions/{sub.pk}/")
    assert "请核对科普受众人次" in page.get_by_role("alert").first.inner_text()
    page.locator("#f-popsci_audience").fill("123456")
    submit_form(page, "提交")
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.SUBMITTED and sub.revision == 2 and sub.data["popsci_audience"] == 123456

    # 5. The province accepts; the history keeps both submissions and the return.
    switch_to(page, "demo-province")
    page.goto(f"/reports/submissions/{sub.pk}/review/")
    with page.expect_navigation():
        page.locator("#review-box").get_by_role("button", name="通过").click()
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.ACCEPTED
    assert list(sub.events.values_list("action", flat=True).order_by("at", "id"))[-4:] == [
        EventAction.SUBMITTED, EventAction.RETURNED, EventAction.SUBMITTED, EventAction.ACCEPTED]
    timeline = page.locator(".timeline").inner_text()
    assert timeline.count("提交") >= 2 and "请核对科普受众人次" in timeline

    # 6. The province runs the society evaluation for that year and opens the society's score.
    page.goto("/evaluation/")
    page.get_by_role("link", name="学会综合能力评价").first.click()
    page.locator("input[name=year]").fill(str(year))
    with page.expect_navigation():
        page.get_by_role("button", name="开始评价").click()
    page.get_by_role("link", name="得分明细").first.wait_for()
    score = Score.objects.get(run__system__code="society_annual", run__year=year, run__is_current=True,
                              organisation=society)
    page.goto(f"/evaluation/scores/{score.pk}/")
    head = page.locator(".score-head").inner_text()
    assert f"总分 {score.total}" in head
    # Why: every leaf with its raw figure and rule, and the leaves add up to the total on the page.
    explain = page.locator("table.explain")
    audience = explain.locator("tr", has_text="科普受众人次")
    assert "123456" in audience.inner_text().replace(",", "")
    points = [Decimal(t) for t in explain.locator("tbody tr:not(:has(th)) td:nth-child(5)").all_inner_texts()]
    assert points and sum(points) == score.total
    assert explain.locator("tfoot").inner_text().count(str(score.total)) == 2
