"""What every browser test (tests/*_browser.py, marked ``browser``) shares: headless Chromium through Playwright
aimed at the live server, the tiny province, signing in through the login page, the phone and desk viewports.

A test module imports the fixture with the helpers it uses::

    from tests.browser import PHONE, log_in, on_phone, page, seed  # noqa: F401 - the page fixture

``live_server`` makes every test a transactional one (``django_db(transaction=True, serialized_rollback=True)``
in each module's ``pytestmark``); ``seed()`` puts the tiny province back after the previous test's flush.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the test makes itself
# (seeding, expected results) would otherwise be refused as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "kexie-demo"  # every demo account's password (kexie/demo/accounts.py)
TIMEOUT_MS = 15_000
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def new_context(browser: Any, base_url: str, *, viewport: dict[str, int] | None = None) -> Any:
    """A browser context with no cookies aimed at ``base_url`` (the live server): Chinese locale, downloads
    accepted, the shared timeout; ``viewport=PHONE`` for a phone-sized one."""
    options: dict[str, Any] = {"base_url": base_url, "accept_downloads": True, "locale": "zh-CN"}
    if viewport is not None:
        options["viewport"] = viewport
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(live_server) -> Iterator:
    """A fresh page in its own browser context (no cookies), aimed at the live server."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} 不存在：浏览器测试需要 Debian 的 chromium 软件包（apt-get install chromium）"
        if os.environ.get("KEXIE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{message}；KEXIE_REQUIRE_BROWSER=1 要求运行浏览器测试。", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            context = new_context(browser, live_server.url)
            yield context.new_page()
            context.close()
        finally:
            browser.close()


def seed():
    """The tiny province (again, after the previous test's flush) and the two city users."""
    from kexie.accounts.models import User
    from tests.conftest import seed_tiny

    seed_tiny()
    return User.objects.get(username="demo-city-a"), User.objects.get(username="demo-city-b")


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Signs in through the login page (whatever the answer: a wrong password stays on it)."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def switch_to(page, username: str, password: str = PASSWORD) -> None:
    """Another person at the same browser: signed out (cookies cleared), then signed in as ``username``."""
    page.context.clear_cookies()
    log_in(page, username, password)


def click_and_wait(page, locator) -> None:
    """Clicks something that loads a new page and waits for it."""
    with page.expect_navigation():
        locator.click()


def on_phone(page) -> None:
    page.set_viewport_size(PHONE)


def on_desk(page) -> None:
    page.set_viewport_size(DESK)


def fits(page) -> bool:
    """No sideways scrolling: the page is no wider than the window."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def assert_assets_served(page) -> None:
    """The page's scripts and style sheets load; without htmx the tree cannot be expanded."""
    urls = page.locator("script[src], link[rel=stylesheet]").evaluate_all("els => els.map(e => e.src || e.href)")
    assert urls
    failed = {u: s for u in urls if (s := page.request.get(u).status) != 200}
    assert not failed, f"静态文件无法获取（状态码）：{failed}"
    assert page.evaluate("typeof window.htmx") == "object", "htmx 未加载"
