"""Browser check of the staff to-do desk (工作台, decision 0041) on a phone: demo-society signs in, sees its annual
report and the dispatch to answer as cards with their deadlines, the page does not scroll sideways, and the report's
line opens the report to fill."""

from __future__ import annotations

import pytest

from tests.browser import PHONE, click_and_wait, fits, log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_society_opens_its_report_from_the_desk_on_a_phone(page):  # noqa: F811
    seed()
    page.set_viewport_size(PHONE)
    log_in(page, "demo-society")
    desk = page.locator("#desk-mine-table")
    assert desk.is_visible()
    report = desk.get_by_role("link", name="本单位待填报的报表")
    assert report.is_visible() and desk.get_by_role("link", name="待本会答复的派单").is_visible()
    assert "答复时限" not in desk.inner_text()  # the note is hidden on a phone, the date stays
    assert fits(page)
    click_and_wait(page, report)
    assert "/reports/" in page.url
