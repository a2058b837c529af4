"""The calls back-office lists on the shared table (kexie/core/tables.py; kexie issue 13, item 8): the call list, a
call's applications, expert libraries, a library's experts, projects and my reviews — sorting by whitelisted columns
only, the page's filters, pages, the export link with the same filters (and the export honouring them), one status
badge, an empty state with the next step."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from kexie.calls.models import Application, ApplicationStatus, Call, ExpertLibrary, Project, ReviewAssignment
from kexie.calls.projects import services as projects
from tests.conftest import login
from tests.test_calls_projects import funded_call
from tests.test_calls_review import client_for, review_call

BAD_SORTS = ("password", "-deleted_at", "name;DROP", "__class__", "-", "--year")


def _main(html: str) -> str:
    return html.split("<main", 1)[1]


def _xlsx_rows(resp) -> list[tuple]:
    data = b"".join(resp.streaming_content) if resp.streaming else resp.content
    return list(openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True))


def _is_shared_table(html: str) -> bool:
    body = _main(html)
    return ('class="overflow-auto table-box"' in body or 'class="empty-state"' in body) and 'badge st-' not in body


@pytest.mark.django_db
def test_staff_lists_are_the_shared_table_and_ignore_bad_sorts(province):
    call = review_call(province, n_apps=2)
    staff = client_for(province["users"]["demo-province"])
    lib = call.expert_library
    for url in ("/calls/", f"/calls/{call.pk}/applications/", "/calls/experts/", f"/calls/experts/{lib.pk}/",
                "/calls/projects/", f"/calls/{call.pk}/projects/"):
        resp = staff.get(url)
        assert resp.status_code == 200, url
        assert _is_shared_table(resp.content.decode()), url
        for bad in BAD_SORTS:
            assert staff.get(url, {"sort": bad}).status_code == 200, (url, bad)
        for bad in ({"status": "nonsense"}, {"year": "abc"}, {"available": "x"}, {"page": "-1"}):
            assert staff.get(url, bad).status_code < 500, (url, bad)


@pytest.mark.django_db
def test_call_list_sorts_filters_and_badges(province):
    staff = client_for(province["users"]["demo-province"])
    html = staff.get("/calls/").content.decode()
    assert 'id="calls"' in html and 'class="badge status status-' in html
    names = [c.name for c in Call.objects.for_user(province["users"]["demo-province"]).alive().order_by("name", "pk")]
    by_name = staff.get("/calls/", {"sort": "name"}).content.decode()
    assert 'aria-sort="ascending"' in by_name and "sort=-name" in by_name
    shown = re.findall(r'href="/calls/\d+/">([^<]+)</a>', by_name.split('id="calls"', 1)[1])
    assert shown == names[:len(shown)] and shown
    year = Call.objects.order_by("year").first().year
    empty = staff.get("/calls/", {"year": year - 1}).content.decode()
    assert "没有符合条件的申报批次。" in empty and 'href="/calls/">清除筛选条件</a>' in empty
    bad = staff.get("/calls/", {"year": "abc"})  # the bad field is shown, the rest of the list still lists
    assert bad.status_code == 200 and 'id="calls"' in bad.content.decode()


@pytest.mark.django_db
def test_application_list_filters_and_its_export_carries_them(province):
    call = review_call(province, n_apps=3)
    one = Application.objects.filter(call=call).order_by("pk").first()
    Application.objects.filter(pk=one.pk).update(status=ApplicationStatus.REVIEWED)
    staff = client_for(province["users"]["demo-province"])
    html = staff.get(f"/calls/{call.pk}/applications/", {"status": "reviewed"}).content.decode()
    titles = re.findall(r'href="/calls/applications/\d+/">([^<]+)</a>', html)
    assert titles == [one.title]
    link = re.search(r'id="export-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link.startswith(f"/calls/{call.pk}/export/?") and "status=reviewed" in link
    rows = _xlsx_rows(staff.get(link))
    assert [r[0] for r in rows[1:] if r and r[0]] == [one.pk]
    everything = _xlsx_rows(staff.get(f"/calls/{call.pk}/export/"))
    assert len([r for r in everything[1:] if r and r[0]]) == 3
    by_title = staff.get(f"/calls/{call.pk}/applications/", {"sort": "-title"}).content.decode()
    shown = re.findall(r'href="/calls/applications/\d+/">([^<]+)</a>', by_title)
    assert shown == sorted(shown, reverse=True) and len(shown) == 3
    none = staff.get(f"/calls/{call.pk}/applications/", {"q": "没有这个标题"}).content.decode()
    assert "没有符合条件的申报。" in none and "清除筛选条件" in none


@pytest.mark.django_db
def test_empty_lists_say_the_next_step(province):
    staff = province["users"]["demo-province"]
    call = review_call(province, n_apps=0)
    page = client_for(staff).get(f"/calls/{call.pk}/applications/").content.decode()
    assert 'class="empty-state"' in page and f'href="/calls/{call.pk}/">返回批次</a>' in page
    lib = ExpertLibrary.objects.create(owner=province["root"], org_path=province["root"].path, name="空专家库")
    html = client_for(staff).get(f"/calls/experts/{lib.pk}/").content.decode()
    assert "专家库中还没有专家" in html and 'href="#add-experts"' in html and 'id="add-experts"' in html
    html = login("demo-scientist").get("/calls/reviews/").content.decode()
    assert "目前没有分配给您的评审任务" in html and 'href="/notices/"' in html


@pytest.mark.django_db
def test_library_experts_filter_by_availability(province):
    call = review_call(province, n_apps=1, n_experts=3)
    lib = call.expert_library
    off = lib.experts.order_by("pk").first()
    type(off).objects.filter(pk=off.pk).update(available=False)
    staff = client_for(province["users"]["demo-province"])
    html = staff.get(f"/calls/experts/{lib.pk}/", {"available": "0"}).content.decode()
    names = re.findall(r'href="/people/\d+/">([^<]+)</a>', html)
    assert names == [off.person.name]
    assert len(re.findall(r'href="/people/\d+/">', staff.get(f"/calls/experts/{lib.pk}/").content.decode())) == 3
    by_name = staff.get("/calls/experts/", {"sort": "-name"}).content.decode()
    assert 'aria-sort="descending"' in by_name


@pytest.mark.django_db
def test_project_lists_filter_and_the_export_carries_them(province):
    staff_user = province["users"]["demo-province"]
    call = funded_call(province, n=2)
    projects.establish(staff_user, call)
    first, second = Project.objects.filter(call=call).order_by("code")
    projects.terminate(staff_user, second, "研究团队解散")
    staff = client_for(staff_user)
    html = staff.get(f"/calls/{call.pk}/projects/", {"status": "ongoing"}).content.decode()
    assert first.code in html and second.code not in html and 'class="badge status status-' in html
    link = re.search(r'id="export-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link.startswith(f"/calls/{call.pk}/projects/export/?") and "status=ongoing" in link
    assert [r[0] for r in _xlsx_rows(staff.get(link))[1:] if r and r[0]] == [first.code]
    assert len([r for r in _xlsx_rows(staff.get(f"/calls/{call.pk}/projects/export/"))[1:] if r and r[0]]) == 2
    by_code = staff.get("/calls/projects/", {"sort": "-code", "status": ""}).content.decode()
    codes = [c for c in re.findall(r"<tr><td[^>]*>([^<]+)</td>", by_code) if c.startswith(f"{call.code}-")]
    assert codes == [second.code, first.code]


@pytest.mark.django_db
def test_my_reviews_are_cards_with_sorting_filters_and_the_badge(province):
    call = review_call(province, n_apps=2, n_experts=2, rpa=2)
    from kexie.calls.review import services as review

    review.run_assignment(province["users"]["demo-province"], call)
    a = ReviewAssignment.objects.filter(call=call).order_by("pk").first()
    expert = client_for(a.expert.user)
    html = expert.get("/calls/reviews/").content.decode()
    assert html.count('class="review-item"') == 2 and 'class="badge status status-' in html
    assert 'class="sort' in html and "sort=status" in html
    done = expert.get("/calls/reviews/", {"status": "done"}).content.decode()
    assert 'class="review-item"' not in done and "没有符合条件的评审任务。" in done
    assert expert.get("/calls/reviews/", {"sort": "password"}).status_code == 200
