"""Browser journeys (SPEC: "log in as demo-city-a, walk the tree, search a person by an expertise
term, open the person, export the list to Excel"), driven through Debian's Chromium by Playwright.

Run apart from the rest of the suite (``pytest -m browser``): ``live_server`` makes every test
transactional, and the database is flushed after each one. ``serialized_rollback`` puts back what
the migrations load (organisation kinds, roles, disciplines) before each test, and each test seeds
the tiny province again when the flush emptied it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

# The shared pieces live in tests/browser.py; modules that still import them from here keep working.
from tests.browser import PASSWORD, assert_assets_served, log_in, page, seed  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGE_SIZE = 50  # kexie.people.views.PAGE_SIZE: the searched person must be on the first page
SEARCHED = re.compile(r"/people/\?(.*&)?q=")


def person_links(page) -> set[str]:  # noqa: F811 - the fixture
    """``/people/<pk>/`` of every person linked from the results table."""
    hrefs = page.locator("#results a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    return {h for h in hrefs if h and re.fullmatch(r"/people/\d+/", h)}


def pick_search(user_a, user_b):
    """A person in city A's scope and one of their expertise keywords such that the search for it in
    A's scope fits on one results page and finds only people who hold that keyword (the search
    matches segmented tokens, so a keyword may also hit other words); preferably a keyword held by
    people whom only city B sees, so that the scope check has someone to leave out.
    Returns (person, keyword, links of the B-only people who hold the keyword)."""
    from kexie.people.models import Person

    in_a = Person.objects.for_user(user_a).alive()
    a_ids = set(in_a.values_list("pk", flat=True))
    b_only = [p for p in Person.objects.for_user(user_b).alive().order_by("pk") if p.pk not in a_ids]
    fallback = None
    tried: set[str] = set()
    for person in in_a.order_by("pk"):
        for keyword in person.expertise:
            if keyword in tried:
                continue
            tried.add(keyword)
            hits = list(in_a.filter(search_text__tokens=keyword))
            if not 0 < len(hits) <= PAGE_SIZE or not all(keyword in h.expertise for h in hits):
                continue
            b_links = {f"/people/{p.pk}/" for p in b_only if keyword in p.expertise}
            if b_links:
                return person, keyword, b_links
            fallback = fallback or (person, keyword, b_links)
    assert fallback is not None, "种子数据中找不到可用于检索的专业特长关键词"
    return fallback


def search(page, keyword: str, person_pk: int):  # noqa: F811 - the fixture
    """Type the keyword into the filter form, submit, wait for the person's row; return their link."""
    page.goto("/people/")
    form = page.locator("#people-filter")
    form.get_by_label("关键词").fill(keyword)
    form.get_by_role("button", name="查询").click()
    link = page.locator(f"#results a[href='/people/{person_pk}/']")
    link.wait_for()
    page.wait_for_url(SEARCHED)
    return link


def test_city_admin_journey(page, live_server, tmp_path):  # noqa: F811 - the fixture
    from kexie.orgs.models import Level, Organisation
    from kexie.people.models import Person

    user_a, user_b = seed()
    city_a = user_a.assignments.get().organisation
    city_b = user_b.assignments.get().organisation
    assert city_a.pk != city_b.pk

    # 1. Log in through the form.
    log_in(page, "demo-city-a")
    assert urlsplit(page.url).path == "/"
    assert page.locator("header").get_by_role("button", name=re.compile("退出")).is_visible()

    # 2. The tree shows city A and not city B; expanding A brings its county associations; open one.
    page.goto("/orgs/")
    assert_assets_served(page)
    assert page.locator(f"ul.tree #org-{city_a.pk} > a", has_text=city_a.name).is_visible()
    assert page.locator(f"#org-{city_b.pk}").count() == 0
    assert city_b.name not in page.content()

    counties = list(Organisation.objects.alive().filter(path__startswith=city_a.path, depth=city_a.depth + 1,
                                                        level=Level.COUNTY, kind__code="kx").order_by("path"))
    assert counties, "A市下没有县级科协"
    kids = page.locator(f"#kids-{city_a.pk}")
    assert kids.locator("li").count() == 0
    page.get_by_role("button", name=f"展开 {city_a.name}").click()
    for county in counties:
        kids.locator(f"#org-{county.pk} > a", has_text=county.name).wait_for()
    county = counties[0]
    kids.locator(f"#org-{county.pk} > a").click()
    page.wait_for_url(f"**/orgs/{county.pk}/")
    assert page.locator("main h2").inner_text().strip() == county.name

    # 3. Search by an expertise keyword of a person in A's scope: exactly A's matches, nobody only B sees.
    person, keyword, b_only_links = pick_search(user_a, user_b)
    expected_links = {f"/people/{pk}/" for pk in Person.objects.for_user(user_a).alive()
                      .filter(search_text__tokens=keyword).values_list("pk", flat=True)}
    person_link = search(page, keyword, person.pk)
    assert person_link.inner_text().strip() == person.name
    shown = person_links(page)
    assert shown == expected_links
    assert not shown & b_only_links
    shot = tmp_path / "people-results.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0

    # 4. The person's page: the name in the heading, the keyword among the 专业特长 badges.
    person_link.click()
    page.wait_for_url(f"**/people/{person.pk}/")
    assert page.locator("main h2").inner_text().strip() == person.name
    expertise = page.locator("dt", has_text="专业特长").locator("xpath=following-sibling::dd[1]")
    assert keyword in [t.strip() for t in expertise.locator(".badge").all_inner_texts()]

    # 5. Back to the results (a full page again, with the layout and the export link) and export.
    page.go_back()
    page.wait_for_url(SEARCHED)
    assert page.locator("#people-filter").count() == 1, (
        "返回后浏览器显示的是缓存的 htmx 片段（只有结果表格，没有页面框架和导出链接）：" + page.content()[:300])
    page.locator(f"#results a[href='/people/{person.pk}/']").wait_for()
    export_link = page.locator("#export-link")
    href = export_link.get_attribute("href")
    assert urlsplit(href).path == "/people/export/"
    assert parse_qs(urlsplit(href).query).get("q") == [keyword], href
    with page.expect_download() as download_info:
        export_link.click()
    download = download_info.value
    assert download.failure() is None
    xlsx = tmp_path / "people.xlsx"
    download.save_as(xlsx)
    assert xlsx.stat().st_size > 0

    workbook = openpyxl.load_workbook(xlsx, read_only=True)
    rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    header, data = rows[0], rows[1:]
    assert {"姓名", "专业特长", "身份证号"} <= set(header), header
    name_col, exp_col, id_col = header.index("姓名"), header.index("专业特长"), header.index("身份证号")
    expected = Person.objects.for_user(user_a, "export").alive().filter(search_text__tokens=keyword)
    assert len(data) == expected.count()
    assert sorted(r[name_col] for r in data) == sorted(expected.values_list("name", flat=True))
    assert person.name in [r[name_col] for r in data]
    for r in data:
        assert keyword in (r[exp_col] or ""), r
        assert not r[id_col] or "*" in str(r[id_col]), f"导出的身份证号未脱敏：{r}"


def test_export_link_follows_the_search(page, live_server):  # noqa: F811 - the fixture
    """The link says 导出 Excel（按当前筛选）: right after a search it must carry the search, or the
    export holds everyone in scope instead of the list on the screen."""
    user_a, user_b = seed()
    person, keyword, _ = pick_search(user_a, user_b)
    log_in(page, "demo-city-a")
    search(page, keyword, person.pk)
    href = page.locator("#export-link").get_attribute("href")
    assert parse_qs(urlsplit(href).query).get("q") == [keyword], f"查询后导出链接未带上查询条件：{href}"


def test_wrong_password_shows_error(page, live_server):  # noqa: F811 - the fixture
    seed()
    log_in(page, "demo-city-a", "not-the-password")
    assert urlsplit(page.url).path == "/accounts/login/"
    assert page.get_by_role("alert").filter(has_text="用户名或密码不正确").is_visible()
    assert page.locator("input[name=username]").input_value() == "demo-city-a"
    assert page.locator("header").get_by_role("button", name=re.compile("退出")).count() == 0
