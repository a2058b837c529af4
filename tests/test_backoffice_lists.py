"""The shared table (kexie/core/tables.py, templates/components/) on the lists of reports, 数字科创, evaluation and
accounts (kexie issue 13, item 8): sortable headers with a whitelist, the filter form, the export link with the same
filters, one status badge, an empty state that says what to do next (a link only where the user may take that step)
and the page header with breadcrumbs on the detail pages."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from kexie.innovation.models import Challenge, Station
from kexie.reports.models import Campaign, ReportForm, SubmissionStatus
from tests.conftest import login
from tests.test_browser import page  # noqa: F401 - the Playwright fixture of the phone test
from tests.test_evaluation import societies, society_run  # noqa: F401 - fixtures of the ranking test

STAFF_LISTS = ["/reports/", "/reports/forms/", "/innovation/", "/innovation/achievements/", "/innovation/enquiries/",
               "/innovation/intro/", "/innovation/stations/", "/innovation/challenges/", "/innovation/services/",
               "/accounts/users/", "/accounts/locked/"]


def _main(html: str) -> str:
    return html.split("<main", 1)[1]


@pytest.mark.django_db
def test_every_list_is_the_shared_table_or_its_empty_state(client_province):
    for url in STAFF_LISTS:
        resp = client_province.get(url)
        html = _main(resp.content.decode())
        assert resp.status_code == 200, url
        assert 'class="overflow-auto table-box"' in html or 'class="empty-state"' in html, url
        assert "<table" not in html.replace('<div class="overflow-auto table-box"><table', ""), url  # no bare table
        assert 'class="badge st-' not in html, url  # statuses only through the one badge
        for bad in ("password", "-deleted_at", "name;DROP", "__class__", "-"):
            assert client_province.get(url, {"sort": bad}).status_code == 200, (url, bad)


@pytest.mark.django_db
def test_campaign_list_sorts_filters_and_shows_the_badge(client_province):
    html = client_province.get("/reports/").content.decode()
    assert 'id="campaigns"' in html and 'class="badge status status-' in html
    years = sorted(Campaign.objects.values_list("year", flat=True))
    ordered = client_province.get("/reports/", {"sort": "year"}).content.decode()
    assert 'aria-sort="ascending"' in ordered and "sort=-year" in ordered
    names = [c.name for c in Campaign.objects.order_by("name", "pk")]
    by_name = client_province.get("/reports/", {"sort": "name"}).content.decode()
    shown = [n for n in re.findall(r'href="/reports/campaigns/\d+/">([^<]+)</a>', by_name)]
    assert shown == names
    empty = client_province.get("/reports/", {"year": years[0] - 1}).content.decode()
    assert "没有符合条件的填报任务。" in empty and 'href="/reports/">清除筛选条件</a>' in empty
    bad = client_province.get("/reports/", {"year": "abc"})
    assert bad.status_code == 200 and all(c.name in bad.content.decode() for c in Campaign.objects.all())


@pytest.mark.django_db
def test_progress_board_export_carries_the_filters(client_province):
    # the society annual report with returned submissions (last year's; this year's is open, nothing filed yet)
    campaign = (Campaign.objects.filter(version__form__code="society_annual",
                                        submissions__status=SubmissionStatus.RETURNED)
                .distinct().order_by("year", "pk").first())
    assert campaign is not None
    html = client_province.get(f"/reports/campaigns/{campaign.pk}/", {"status": "returned", "sort": "-name"}).content.decode()
    assert '<nav aria-label="breadcrumb" class="crumbs"><ul><li><a href="/reports/">数据填报</a></li>' in html
    link = re.search(r'id="export-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link.startswith(f"/reports/campaigns/{campaign.pk}/export/?") and "status=returned" in link
    returned = set(campaign.submissions.filter(status=SubmissionStatus.RETURNED)
                   .values_list("organisation__code", flat=True))
    assert returned
    resp = client_province.get(link)
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content),
                                read_only=True)
    codes = {r[0] for r in list(wb.worksheets[0].iter_rows(values_only=True))[1:] if r and r[0]}
    assert codes and codes <= returned
    whole = client_province.get(f"/reports/campaigns/{campaign.pk}/export/")  # the button: every filer
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(whole.streaming_content) if whole.streaming else whole.content),
                                read_only=True)
    assert len(list(wb.worksheets[0].iter_rows(values_only=True))) > len(codes) + 1


@pytest.mark.django_db
def test_form_list_sorts_and_offers_the_create_form(client_province):
    html = client_province.get("/reports/forms/", {"sort": "-code"}).content.decode()
    codes = re.findall(r"<tr><td[^>]*>([a-z_0-9]+)</td>", html)  # the first cell of each row, whatever its attributes
    assert codes == sorted(ReportForm.objects.alive().values_list("code", flat=True), reverse=True)
    assert 'id="new-form"' in html


@pytest.mark.django_db
def test_empty_states_link_only_to_steps_the_user_may_take(client_a, province):
    Challenge.objects.all().delete()
    html = _main(client_a.get("/innovation/challenges/").content.decode())
    assert "暂无榜单。" in html and 'class="empty-next" role="button" href="/innovation/challenges/new/"' in html
    html = _main(login("demo-scientist").get("/innovation/challenges/").content.decode())
    assert "暂无榜单。" in html and "empty-next" not in html  # nobody to publish for: no link
    html = _main(client_a.get("/innovation/challenges/", {"status": "open"}).content.decode())
    assert "没有符合条件的榜单。" in html and 'href="/innovation/challenges/">清除筛选条件</a>' in html
    bad = client_a.get("/innovation/challenges/", {"status": "nonsense"})
    assert bad.status_code == 200 and "选择一个有效的选项" in bad.content.decode()
    html = _main(client_a.get("/accounts/locked/").content.decode())
    assert "目前没有您可解锁的已锁定账号。" in html and 'href="/accounts/users/">查看用户与角色</a>' in html


@pytest.mark.django_db
def test_station_list_export_link_and_filters(client_province, province):
    station = Station.objects.alive().order_by("pk").first()
    assert station is not None, "the seed registers workstations"
    word = station.name[:2]
    html = client_province.get("/innovation/stations/", {"kind": station.kind, "q": word, "sort": "-end"}).content.decode()
    assert 'aria-sort="descending"' in html and 'class="badge status status-' in html
    link = re.search(r'id="export-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link.startswith("/innovation/stations/export/?") and f"kind={station.kind}" in link
    resp = client_province.get(link)
    assert resp.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content),
                                read_only=True)
    names = {r[0] for r in list(wb.worksheets[0].iter_rows(values_only=True))[1:] if r and r[0]}
    expected = Station.objects.alive().filter(kind=station.kind, name__contains=word)
    assert station.name in names and names == set(expected.values_list("name", flat=True))


@pytest.mark.django_db
def test_users_list_filters_and_export_link(client_province, province):
    html = client_province.get("/accounts/users/", {"q": "demo-city"}).content.decode()
    assert 'id="users-filter"' in html and 'id="users"' in html and "demo-city-a" in html
    assert "demo-society" not in _main(html).split('id="users"', 1)[1]
    link = re.search(r'id="export-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link == "/accounts/users/export/?q=demo-city"
    by_name = client_province.get("/accounts/users/", {"sort": "-username"}).content.decode()
    shown = re.findall(r'<a href="/accounts/users/\d+/">([^<]+)</a>', by_name)
    assert shown == sorted(shown, reverse=True) and len(shown) > 1
    assert client_province.get("/accounts/users/", {"org": "abc"}).status_code == 200
    empty = client_province.get("/accounts/users/", {"q": "没有这个人喵"}).content.decode()
    assert "没有符合条件的账号。" in empty and "清除筛选条件" in empty


@pytest.mark.django_db
def test_run_ranking_keeps_its_categories_when_sorted(client_province, society_run):  # noqa: F811 - the fixture
    html = client_province.get(f"/evaluation/runs/{society_run.pk}/", {"sort": "-total"}).content.decode()
    assert '<li><a href="/evaluation/">综合能力评价</a></li>' in html
    assert f'<li><a href="/evaluation/systems/{society_run.system_id}/">' in html
    body = html.split('id="ranking"', 1)[1].split("</table>", 1)[0]  # the table only, not the other runs below it
    headings = re.findall(r"<h3>([^<]+)</h3>", body)
    assert sorted(headings) == ["工科", "理科"]  # each category once, whatever the order
    link = re.search(r'id="export-link" href="([^"]+)"', html).group(1)
    assert link.startswith(f"/evaluation/runs/{society_run.pk}/export/?")
    engineering = body.split("<h3>工科</h3>", 1)[1].split("<h3>", 1)[0]
    totals = [float(t) for t in re.findall(r'<td[^>]* class="num"><a href="/evaluation/scores/\d+/">([\d.]+)</a>',
                                                engineering)]
    assert totals == sorted(totals, reverse=True) and len(totals) == 8


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_these_lists_fit_a_phone(page):  # noqa: F811 - the fixture
    from tests.test_browser import log_in, seed

    seed()
    log_in(page, "demo-province")
    page.set_viewport_size({"width": 390, "height": 844})
    for url in ("/reports/", "/reports/forms/", "/innovation/", "/innovation/stations/", "/innovation/services/",
                "/innovation/achievements/", "/accounts/users/"):
        page.goto(url)
        page.wait_for_selector(".table-box table, .empty-state")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{url} 页面被撑宽"
        box = page.evaluate("""() => { const b = document.querySelector('.table-box');
            return b ? [b.clientWidth, getComputedStyle(b).overflowX] : [0, 'auto']; }""")
        assert box[0] <= 390 and box[1] in ("auto", "scroll"), (url, box)
