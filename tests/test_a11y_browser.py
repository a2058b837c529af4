"""Accessibility basics in the browser (issue 15 item 12, decision 0046), on a phone (390 px): buttons keep their
label on one line — a role's 撤销 on a staff account's page and the 有用 / 无用 marks beside each recommended expert
on a need, both in table rows, broke into a column of characters before — and the page stays no wider than the
screen; a form answered with errors puts the cursor in the first field in error, and a refused sign-in on its
message."""

from __future__ import annotations

import re

import pytest

from tests.browser import PASSWORD, click_and_wait, fits, log_in, on_phone, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Every visible button whose text takes more than one line (its content box against its line height).
WRAPPED = """() => Array.from(document.querySelectorAll('button, [role=button], input[type=submit]'))
  .filter(b => b.getClientRects().length > 0 && getComputedStyle(b).visibility !== 'hidden')
  .filter(b => { const s = getComputedStyle(b);
                 const line = parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.2;
                 return b.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom) >= 1.5 * line; })
  .map(b => (b.innerText || b.value || '').trim())"""


def _first_link(page, pattern: str) -> str:  # noqa: F811
    hrefs = page.eval_on_selector_all("main table a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = [h for h in hrefs if re.fullmatch(pattern, h)]
    assert found, f"no link like {pattern} in the table"
    return found[0]


def test_buttons_stay_on_one_line_on_a_phone(page):  # noqa: F811
    seed()
    on_phone(page)
    log_in(page, "demo-city-a")
    page.goto("/accounts/users/")
    page.goto(_first_link(page, r"/accounts/users/\d+/"))
    assert page.get_by_role("button", name="撤销").first.is_visible()
    assert page.evaluate(WRAPPED) == [] and fits(page)

    page.goto("/innovation/")
    page.goto(_first_link(page, r"/innovation/\d+/"))
    assert page.get_by_role("button", name="有用").first.is_visible()
    assert page.evaluate(WRAPPED) == [] and fits(page)


def test_the_cursor_goes_to_the_first_error(page):  # noqa: F811
    seed()
    on_phone(page)
    log_in(page, "demo-scientist", "not-the-password")
    focused = page.evaluate("[document.activeElement.getAttribute('role'), document.activeElement.textContent]")
    assert focused[0] == "alert" and "用户名或密码不正确" in focused[1]

    log_in(page, "demo-scientist")
    page.goto("/accounts/password/")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "Kx-2026-a-new-pass")
    page.fill("#id_new_password2", "Kx-2026-another-one")
    click_and_wait(page, page.get_by_role("button", name="修改密码"))
    assert page.evaluate("document.activeElement.id") == "id_new_password2"
    field = page.locator("#id_new_password2")
    assert field.get_attribute("aria-invalid") == "true"
    assert "id_new_password2_error" in field.get_attribute("aria-describedby").split()
    assert page.locator("#id_new_password2_error").is_visible()
    assert page.locator("#id_old_password").get_attribute("aria-invalid") is None  # the right old password
