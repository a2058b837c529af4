"""The society picker in a real browser (decision 0043): typing asks the need's suggestions through htmx, a chosen
suggestion becomes a ticked box (static/kexie/picker.js under the CSP), unticking removes it, and the dispatch goes
to the ticked society — a provincial one as a request to the province."""

from __future__ import annotations

import pytest

from tests.browser import click_and_wait, log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_city_picks_societies_as_chips_and_asks_the_province(page):  # noqa: F811 - the fixture
    from kexie.innovation.models import DispatchRequest, Need
    from kexie.innovation.needs import services
    from kexie.orgs.models import Organisation

    user_a, _b = seed()
    city = user_a.assignments.get().organisation
    need = services.create_need(user_a, owner=city, title="冷库节能改造", description="冷库能耗偏高。", industry="34",
                                kind="research")
    services.submit_need(user_a, need)
    services.review_need(user_a, need, "approve")
    socs = list(Organisation.objects.filter(kind__code="society", depth=2).order_by("path")[:2])
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, "demo-city-a")
    page.goto(f"/innovation/{need.pk}/")
    box = page.locator("#dispatch input[name=societies]")
    for soc in socs:
        with page.expect_response(lambda r: "/societies/?" in r.url):
            box.fill(soc.name)
        option = page.locator(f"#dispatch datalist option[data-id='{soc.pk}']")
        option.wait_for(state="attached")
        assert "须上级科协确认" in option.inner_text()
        box.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
                     option.get_attribute("value"))
        page.locator(f"#dispatch .picker-chip input[value='{soc.pk}']").wait_for()
        assert box.input_value() == ""
    page.locator(f"#dispatch .picker-chip input[value='{socs[0].pk}']").click()
    assert page.locator("#dispatch .picker-chip").count() == 1
    click_and_wait(page, page.locator("#dispatch button"))
    assert "须上级科协确认，已提交请求" in page.content()
    req = DispatchRequest.objects.get(need=need)
    assert list(req.societies.all()) == [socs[1]]
    assert Need.objects.get(pk=need.pk).dispatches.count() == 0
    assert errors == []
