"""科学辟谣 in a real browser: the staff form suggests 可能已有辟谣 as the claim is typed (htmx under the CSP), and
the public list, a debunk and 流言榜 fit a phone's width."""

from __future__ import annotations

import pytest

from tests.browser import PHONE, fits, log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CLAIM = "隔夜菜含有致癌物亚硝酸盐，不能吃"


def _published(org):
    from kexie.core.services import SYSTEM
    from kexie.kepu.debunks import services

    d = services.create_debunk(SYSTEM, org=org, claim=CLAIM, verdict="rumour",
                               explanation="正常冷藏的剩菜亚硝酸盐含量很低。", expert_name="王明（省疾控中心）")
    return services.publish(SYSTEM, d)


def test_typing_a_claim_shows_existing_debunks(page):  # noqa: F811 - the fixture
    user_a, _user_b = seed()
    org = user_a.assignments.get().organisation
    _published(org)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, "demo-city-a")
    page.goto("/kepu/manage/debunks/new/")
    with page.expect_response(lambda r: "/kepu/manage/debunks/similar/" in r.url and "claim=" in r.url):
        page.fill("input[name=claim]", "吃隔夜菜会致癌")
    page.wait_for_selector("#similar >> text=可能已有辟谣")
    assert CLAIM in page.locator("#similar").inner_text()
    assert not errors, errors


def test_public_pages_fit_a_phone(page):  # noqa: F811 - the fixture
    user_a, _user_b = seed()
    d = _published(user_a.assignments.get().organisation)
    page.set_viewport_size(PHONE)
    for url in ("/kepu/debunks/", f"/kepu/debunks/{d.pk}/", "/kepu/debunks/monthly/"):
        page.goto(url)
        assert fits(page), f"{url} scrolls sideways at 390 px"
    page.goto(f"/kepu/debunks/{d.pk}/")
    assert page.locator("#debunk-verdict").inner_text() == "谣言"
