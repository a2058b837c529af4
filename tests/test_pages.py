"""Every page for every demo account (issue 13's last check): each menu link answers 200; every page of the site,
opened by every demo account with the city-B records as path ids, answers a page, a download, a redirect or a
Chinese refusal inside the site layout — never a server error; and no staff page has a text box that expects
JSON (forms, builders and pickers instead; JSON only as a file to import or export)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import login
from tests.test_scope import GROUP, ROUTES, TABLE, _address, b_records  # noqa: F401  (b_records: a fixture)

DEMO_ACCOUNTS = ["demo-province", "demo-city-a", "demo-city-b", "demo-society", "demo-scientist", "demo-expert",
                 "demo-volunteer", "demo-company", "demo-enterprise"]
MENU = re.compile(r'<ul class="mainnav"[^>]*>(.*?)</ul>\s*</nav>', re.S)
HREF = re.compile(r'<a href="(/[^"]*)"')
# A text box that expects JSON: a textarea or text input whose label, name, placeholder or help says JSON.
JSON_BOX = re.compile(r'<label[^>]*>[^<]*JSON[^<]*<(?:textarea|input(?![^>]*type="file"))'
                      r'|<textarea[^>]*(?:name|placeholder)="[^"]*(?:json|JSON|\{)[^"]*"', re.S)


def _menu_links(html: str) -> list[str]:
    match = MENU.search(html)
    assert match, "no main menu"
    return [h for h in HREF.findall(match.group(1)) if not h.startswith("/i18n/")]


@pytest.mark.django_db
@pytest.mark.parametrize("username", DEMO_ACCOUNTS)
def test_every_menu_link_answers(username, province):
    client = login(username)
    home = client.get("/")
    assert home.status_code == 200
    links = _menu_links(home.content.decode())
    assert links, f"{username} has an empty menu"
    for href in links:
        resp = client.get(href)
        assert resp.status_code == 200, (username, href, resp.status_code)


INDIVIDUALS = ["demo-scientist", "demo-volunteer", "demo-company"]  # no role anywhere
MAIN = re.compile(r"<main[^>]*>(.*)</main>", re.S)


@pytest.mark.django_db
@pytest.mark.parametrize("username", INDIVIDUALS)
def test_an_individuals_menu_holds_no_staff_page(username, province):
    """SPEC §3.11: menus show each role what it can use and nothing else. Every link of an individual's menu opens a
    page with content, and none is a staff page: its menu entry needs no module action, and the page is not a
    refusal."""
    from django.urls import resolve

    from kexie.core.registry import menu_entries

    by_name = {e.url_name: e for e in menu_entries()}
    client = login(username)
    links = _menu_links(client.get("/").content.decode())
    assert "/me/" in links, f"{username}: no 我的 in the menu"
    for href in links:
        resp = client.get(href)
        assert resp.status_code == 200, (username, href, resp.status_code)
        match = resolve(href.split("?")[0])
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        entry = by_name.get(name)
        assert entry is None or entry.action is None, f"{username}: {href} is a staff page ({entry.action})"
        main = MAIN.search(resp.content.decode())
        assert main and re.search(r"<h[23][^>]*>[^<]*[\u4e00-\u9fff]", main.group(1)), f"{username}: {href} is empty"
        assert "无权" not in main.group(1), f"{username}: {href} refuses"


def _is_refusal_in_layout(resp) -> bool:
    text = resp.content.decode(errors="replace")
    return '<ul class="mainnav"' in text and re.search(r"[\u4e00-\u9fff]", text) is not None


def _groups() -> list[str]:
    return sorted({GROUP[n] for n in ROUTES})


@pytest.mark.django_db
@pytest.mark.parametrize("group", _groups())
def test_every_page_for_every_demo_account(group, b_records, province):  # noqa: F811
    problems: list[str] = []
    clients = {name: login(name) for name in DEMO_ACCOUNTS}
    clients["anonymous"] = Client()
    for name in sorted(ROUTES):
        if GROUP[name] != group:
            continue
        kind, key = TABLE[name]
        route = ROUTES[name][0]
        pk = b_records[key].pk if key and key in b_records else 1
        url = _address(route, pk)
        for who, client in clients.items():
            resp = client.get(url)
            code = resp.status_code
            if code >= 500:
                problems.append(f"{who} {url}: {code}")
            elif code in (403, 404) and "html" in resp.get("Content-Type", "") and not url.startswith("/api/"):
                if not _is_refusal_in_layout(resp):
                    problems.append(f"{who} {url}: {code} outside the layout")
            elif code == 200 and resp.get("Content-Type", "").startswith("text/html"):
                html = resp.content.decode(errors="replace")
                if JSON_BOX.search(html):
                    problems.append(f"{who} {url}: a JSON text box")
    assert not problems, "\n".join(problems)
