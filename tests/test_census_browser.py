"""The census page in a real browser: the charts draw under the CSP, follow a filter change made through
htmx, and the tables keep the same figures."""

from __future__ import annotations

import pytest

from tests.browser import assert_assets_served, log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_census_charts_draw_and_follow_the_filters(page):  # noqa: F811 - the fixture
    from kexie.census.services import Filters, compute

    user_a, _user_b = seed()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"{msg.text} @ {msg.location}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, "demo-city-a")
    page.goto("/census/")
    assert_assets_served(page)
    assert page.evaluate("typeof window.echarts") == "object", "ECharts 未加载"
    page.wait_for_selector(".census-chart[data-key=age] canvas")
    assert page.locator(".census-chart canvas").count() >= 6
    total = compute(user_a, Filters()).total
    assert f"{total:,}" in page.locator(".census-total").inner_text()

    with page.expect_response(lambda r: "/census/?" in r.url and "title_level=senior" in r.url):
        page.select_option("select[name=title_level]", "senior")
    page.wait_for_function("old => document.querySelector('#census-results .census-total').textContent.indexOf(old) < 0",
                           arg=f"{total:,}")
    page.wait_for_selector(".census-chart[data-key=age] canvas")
    senior = compute(user_a, Filters(title_level="senior")).total
    assert f"{senior:,}" in page.locator(".census-total").inner_text()
    assert "title_level=senior" in page.url
    chart_total = page.evaluate("""() => {
        const el = document.querySelector('.census-chart[data-key=gender]');
        const opt = window.echarts.getInstanceByDom(el).getOption();
        return opt.series[0].data.reduce((a, b) => a + b, 0);
    }""")
    assert chart_total == senior
    assert not errors, errors
