"""The shared page components (kexie/core/tables.py, templates/components/, the status badge, kexie/charts.js) and
the confirmation pages of destructive actions in the back office."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.template import engines
from django.test import RequestFactory

from kexie.core.badges import TONES
from kexie.core.scope import prefix_q
from kexie.core.tables import Column, Empty, Table
from kexie.identity.models import CandidateStatus, MatchCandidate, Merge
from kexie.members.models import Membership
from kexie.notices import services as notices
from kexie.orgs import services as org_services
from kexie.orgs.models import Organisation
from kexie.people import services as people_services
from kexie.people.models import Person
from tests.test_browser import page  # noqa: F401 - the Playwright fixture of the phone test below

ORG_LINK = re.compile(r'<a href="/orgs/(\d+)/">')


def _org_ids(html: str) -> list[int]:
    body = html.split('class="list-table', 1)[1]  # the shared table, whatever further classes it carries
    return [int(pk) for pk in ORG_LINK.findall(body)]


def _render(source: str, **context) -> str:
    return engines["django"].from_string("{% load kexie %}" + source).render(context)


# -- the table ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_table_sorts_by_allowed_columns_only(client_province):
    by_name = _org_ids(client_province.get("/orgs/list/", {"sort": "name"}).content.decode())
    names = list(Organisation.objects.filter(pk__in=by_name).values_list("pk", "name"))
    order = {pk: name for pk, name in names}
    assert [order[pk] for pk in by_name] == sorted(order[pk] for pk in by_name)
    desc_html = client_province.get("/orgs/list/", {"sort": "-name"}).content.decode()
    assert _org_ids(desc_html)[0] == Organisation.objects.alive().order_by("-name", "-pk").first().pk
    assert 'aria-sort="descending"' in desc_html and "sort=name" in desc_html  # the header turns the order round
    default = _org_ids(client_province.get("/orgs/list/").content.decode())
    for bad in ("password", "-deleted_at", "name;DROP TABLE x", "kind__label", "__class__", "-", "\x00", "名称"):
        resp = client_province.get("/orgs/list/", {"sort": bad})
        html = resp.content.decode()
        assert resp.status_code in (200, 400), bad  # NUL is refused by the middleware, never a 500
        if resp.status_code == 200:
            assert _org_ids(html) == default and "aria-sort" not in html, bad


def test_the_table_component_on_a_list_of_objects():
    class Row:
        def __init__(self, name, n):
            self.name, self.n = name, n

    rows = [Row("乙", 2), Row("甲", None), Row("丙", 10)]
    columns = [Column("name", "名称"), Column("n", "数量", ("n",), "num")]
    rf = RequestFactory()
    table = Table(rf.get("/x/", {"sort": "n"}), rows, columns, row_template="x.html#row")
    assert [r.n for r in table.page] == [2, 10, None]  # numbers in order, missing last
    table = Table(rf.get("/x/", {"sort": "name"}), rows, columns, row_template="x.html#row")
    assert table.sort == "" and [r.name for r in table.page] == ["乙", "甲", "丙"]  # not sortable: ignored
    headers = table.headers
    assert headers[0].url == "" and headers[1].url == "?sort=n" and headers[1].css == "num"


@pytest.mark.django_db
def test_pagination_counts_and_caps(client_province, settings):
    people = Person.objects.alive().count()
    html = client_province.get("/people/").content.decode()
    assert f"共 {people} 条" in html
    first = set(re.findall(r'href="/people/(\d+)/"', html))
    second = set(re.findall(r'href="/people/(\d+)/"', client_province.get("/people/", {"page": 2}).content.decode()))
    assert len(first) == 50 and second and first.isdisjoint(second)
    # sorting and paging together: page 2 goes on where page 1 stopped
    p1 = re.findall(r'href="/people/(\d+)/"', client_province.get("/people/", {"sort": "name"}).content.decode())
    p2 = re.findall(r'href="/people/(\d+)/"', client_province.get("/people/", {"sort": "name", "page": 2})
                    .content.decode())
    ordered = list(Person.objects.alive().order_by("name", "pk").values_list("pk", flat=True)[:100])
    assert [int(x) for x in p1 + p2] == ordered
    assert "sort=name&amp;page=2" in client_province.get("/people/", {"sort": "name"}).content.decode() or \
        "sort=name&page=2" in client_province.get("/people/", {"sort": "name"}).content.decode()
    settings.KEXIE_LIST_COUNT_CAP = 60
    assert "超过 60 条" in client_province.get("/people/").content.decode()


@pytest.mark.django_db
def test_the_export_link_carries_the_filters(client_province, province):
    word = Organisation.objects.alive().filter(level="county").order_by("pk").first().name[:2]
    query = {"level": "county", "q": word, "sort": "-name", "page": "2"}
    html = client_province.get("/orgs/list/", query).content.decode()
    link = re.search(r'id="export-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link.startswith("/orgs/export/?") and "level=county" in link and "page=" not in link
    resp = client_province.get(link)
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))[1:]
    expected = Organisation.objects.alive().filter(level="county", name__contains=word)
    assert rows and {r[0] for r in rows} == set(expected.values_list("code", flat=True))
    for url, export in (("/members/", "/members/export/"), ("/identity/", "/identity/export/"),
                        ("/governance/", "/governance/export/")):
        html = client_province.get(url, {"q": "学会"} if url != "/identity/" else {"status": "merged"}).content.decode()
        assert re.search(rf'href="{export}\?(q=%E5%AD%A6%E4%BC%9A|status=merged)"', html), url


# -- the badge -------------------------------------------------------------------------------------------------

def test_one_status_badge_with_one_colour_map():
    html = _render('{% status_badge "returned" "已退回" %}{% status_badge "accepted" label %}{% status_badge odd %}',
                   label="已通过", odd="x<y")
    assert '<span class="badge status status-warn" data-status="returned">已退回</span>' in html
    assert '<span class="badge status status-ok" data-status="accepted">已通过</span>' in html
    assert 'status-neutral" data-status="x&lt;y">x&lt;y</span>' in html  # unknown: neutral, escaped
    for value in ("draft", "submitted", "returned", "accepted", "active", "closed", "fail", "pass", "rejected"):
        assert value in TONES
    css = (Path(settings.BASE_DIR) / "static/kexie/app.css").read_text()
    assert all(f".badge.status-{tone}" in css for tone in set(TONES.values()))


@pytest.mark.django_db
def test_lists_show_their_status_badges(client_province):
    assert 'class="badge status status-' in client_province.get("/members/").content.decode()
    assert 'class="badge status status-' in client_province.get("/orgs/list/").content.decode()


# -- empty states and the page header ------------------------------------------------------------------------

@pytest.mark.django_db
def test_empty_states_say_what_to_do_next(client_a, client_province, province):
    html = client_province.get("/orgs/list/", {"q": "不存在的组织名称喵"}).content.decode()
    assert "没有符合条件的组织。" in html and 'class="empty-next" role="button" href="/orgs/list/"' in html
    assert "清除筛选条件" in html and "<table" not in html.split("<main", 1)[1]
    html = client_a.get("/members/groups/").content.decode()
    assert "暂无单位会员。" in html and 'href="/imports/"' in html and "批量导入单位会员" in html
    notices.mark_read(province["users"]["demo-province"])
    html = client_province.get("/notices/", {"unread": "1"}).content.decode()
    assert "没有未读通知。" in html and 'href="/notices/">清除筛选条件</a>' in html
    MatchCandidate.objects.filter(status=CandidateStatus.MERGED).delete()
    html = client_province.get("/identity/", {"status": CandidateStatus.MERGED}).content.decode()
    assert "没有该状态的疑似重复人员。" in html and 'href="/identity/">清除筛选条件</a>' in html


def test_empty_include_and_page_header_render():
    html = _render('{% include "components/empty.html" with message="还没有批次。" next_label="上传" next_url="/imports/" %}')
    assert '<p>还没有批次。</p>' in html and '<a class="empty-next" role="button" href="/imports/">上传</a>' in html
    html = _render('{% crumbs "组织树" "orgs:tree" "某组织" "/orgs/1/" "无链接" "" as trail %}'
                   '{% include "components/page_header.html" with title="组织列表" crumbs=trail %}')
    assert '<li><a href="/orgs/">组织树</a></li><li><a href="/orgs/1/">某组织</a></li><li>无链接</li>' in html
    assert "<h2>组织列表</h2>" in html


def test_an_empty_table_without_filters_shows_its_next_step():
    rf = RequestFactory()
    table = Table(rf.get("/x/"), [], [Column("a", "甲")], row_template="x.html#row",
                  empty=Empty("还没有导入批次。", "下载模板", "/imports/template/people/"))
    html = _render('{% include "components/table.html" %}', table=table)
    assert "还没有导入批次。" in html and 'href="/imports/template/people/">下载模板</a>' in html
    assert "<table" not in html
    filtered = Table(rf.get("/x/", {"q": "甲"}), [], [Column("a", "甲")], row_template="x.html#row",
                     empty=Empty("还没有导入批次。", "下载模板", "/t/", filtered="没有符合条件的批次。"))
    html = _render('{% include "components/table.html" %}', table=filtered)
    assert "没有符合条件的批次。" in html and 'href="/x/">清除筛选条件</a>' in html


# -- charts ----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_census_draws_through_the_shared_charts_module(client_province):
    html = client_province.get("/census/").content.decode()
    assert "kexie/charts.js" in html and "census/census.js" not in html
    assert re.search(r'data-chart="census-data" data-chart-key="age"', html)
    source = (Path(settings.BASE_DIR) / "static/kexie/charts.js").read_text()
    assert "data-chart" in source and "json" in source.lower() and "richText" in source


# -- destructive actions ask first -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_org_delete_confirmation_lists_consequences_and_get_deletes_nothing(client_a, province):
    user = province["users"]["demo-city-a"]
    city = province["city_a"]
    leaf = Organisation.objects.filter(prefix_q("path", [city.path]), numchild=0, depth__gt=city.depth).first()
    people = Person.objects.alive().filter(org=leaf).count()
    members = Membership.objects.filter(society=leaf, deleted_at__isnull=True).count()
    resp = client_a.get(f"/orgs/{leaf.pk}/delete/")
    html = resp.content.decode()
    assert resp.status_code == 200 and leaf.name in html and "删除前请确认" in html
    assert f'<dd id="n-people">{people}</dd>' in html and f'<dd id="n-memberships">{members}</dd>' in html
    assert '<dd id="n-children">0</dd>' in html and 'id="confirm-delete"' in html and "可在组织页面随时恢复" in html
    leaf.refresh_from_db()
    assert leaf.deleted_at is None
    detail = client_a.get(f"/orgs/{leaf.pk}/").content.decode()
    assert f'href="/orgs/{leaf.pk}/delete/"' in detail  # the button opens the confirmation, it deletes nothing
    assert client_a.post(f"/orgs/{leaf.pk}/delete/").status_code == 302
    leaf.refresh_from_db()
    assert leaf.deleted_at is not None
    org_services.restore_organisation(user, leaf)
    # refused: an organisation with live children says why and offers no button
    parent = Organisation.objects.filter(prefix_q("path", [city.path]), depth=city.depth + 1, numchild__gt=0).first()
    children = Organisation.objects.alive().filter(prefix_q("path", [parent.path]), depth=parent.depth + 1).count()
    html = client_a.get(f"/orgs/{parent.pk}/delete/").content.decode()
    assert "不能删除" in html and "该组织仍有下级组织，请先删除或迁移下级组织。" in html
    assert f'<dd id="n-children">{children}</dd>' in html and 'id="confirm-delete"' not in html
    html = client_a.get(f"/orgs/{city.pk}/delete/").content.decode()
    assert "该组织仍有下级组织" in html
    # another city's organisation: the same 404 as a missing one
    assert client_a.get(f"/orgs/{province['city_b'].pk}/delete/").status_code == 404


@pytest.mark.django_db
def test_person_delete_confirmation(client_a, province):
    user = province["users"]["demo-city-a"]
    p = people_services.create_person(user, {"name": "测试戊", "org": province["city_a"]})
    html = client_a.get(f"/people/{p.pk}/delete/").content.decode()
    assert "删除前请确认" in html and "测试戊" in html and 'id="confirm-delete"' in html
    assert Person.objects.alive().filter(pk=p.pk).exists()
    assert f'href="/people/{p.pk}/delete/"' in client_a.get(f"/people/{p.pk}/").content.decode()
    assert client_a.post(f"/people/{p.pk}/delete/").status_code == 302
    assert not Person.objects.alive().filter(pk=p.pk).exists()


# -- forms first ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_bad_form_input_changes_nothing(client_a, province):
    city = province["city_a"]
    leaf = Organisation.objects.filter(prefix_q("path", [city.path]), numchild=0, depth__gt=city.depth + 1).first()
    path = leaf.path
    assert client_a.post(f"/orgs/{leaf.pk}/move/", {"target": "abc"}).status_code == 404
    resp = client_a.post(f"/orgs/{leaf.pk}/move/", {"target": ""})
    assert resp.status_code == 200 and "请选择新的上级组织。" in resp.content.decode()
    leaf.refresh_from_db()
    assert leaf.path == path
    # the merge form: a survivor that is neither of the pair is refused in Chinese, nothing merges
    user = province["users"]["demo-city-a"]
    first = people_services.create_person(user, {"name": "测试己", "org": city})
    second = people_services.create_person(user, {"name": "測試己", "org": city})
    candidate = MatchCandidate.objects.create(person_a=first, person_b=second, score=0.8, evidence={})
    resp = client_a.post(f"/identity/{candidate.pk}/merge/", {"survivor": "999999999"}, follow=True)
    assert "选择一个有效的选项" in resp.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.QUEUED and not Merge.objects.filter(candidate=candidate).exists()
    # a good one merges; undoing it asks first, saying what happens
    assert client_a.post(f"/identity/{candidate.pk}/merge/", {"survivor": second.pk}).status_code == 302
    assert Merge.objects.get(candidate=candidate).survivor_id == second.pk
    html = client_a.get("/identity/merges/").content.decode()
    assert 'data-confirm="撤销这次合并？“测试己”将恢复为独立记录' in html


# -- on a phone ----------------------------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_lists_fit_a_phone_and_their_tables_become_cards(page):  # noqa: F811 - the fixture
    from tests.test_browser import log_in, seed

    seed()
    log_in(page, "demo-province")
    page.set_viewport_size({"width": 390, "height": 844})
    widths = {}
    for url in ("/people/", "/members/", "/members/groups/", "/governance/", "/orgs/list/"):
        page.goto(url)
        page.wait_for_selector(".table-box table")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{url} 页面被撑宽"
        box = page.evaluate("""() => { const b = document.querySelector('.table-box');
            return [b.scrollWidth, b.clientWidth, getComputedStyle(b).overflowX]; }""")
        assert box[1] <= 390 and box[2] in ("auto", "scroll"), (url, box)
        widths[url] = box
    scroll, visible, _overflow = widths["/members/groups/"]
    assert scroll <= visible + 1, "单位会员表在手机上应变成卡片，不需横向滚动"
    cell = page.evaluate("""() => { const td = document.querySelector('.table-box tbody tr td[data-label]');
        return td ? [td.dataset.label, getComputedStyle(td).display] : null; }""")
    assert cell and cell[0] and cell[1] != "table-cell", cell  # each cell a labelled line of its card
    page.goto("/imports/")  # no batch yet: the empty state with its next step, inside the page width too
    assert page.locator(".empty-state a.empty-next").get_attribute("href") == "/imports/template/people/"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_date_input_writes_its_value_as_an_iso_date_in_both_languages():
    """An <input type="date"> shows only YYYY-MM-DD: with Django's zh-hans format ("2026/12/08") every edit
    form showed its saved dates empty, and saving it again cleared them."""
    import datetime as dt

    from django import forms
    from django.utils import translation

    class F(forms.Form):
        on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            html = str(F(initial={"on": dt.date(2026, 12, 8)})["on"])
            assert 'value="2026-12-08"' in html, (lang, html)
            for typed in ("2026-12-08", "2026/12/08") if lang == "zh-hans" else ("2026-12-08",):
                form = F({"on": typed})
                assert form.is_valid() and form.cleaned_data["on"] == dt.date(2026, 12, 8)
