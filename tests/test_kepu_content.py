"""科普作品 authoring (decision 0049): the body's sanitisation, versions and their visible diff, the edit lock,
scope, media uploads, the 中央厨房 (adoption with attribution, republishing as a draft) and bad input answered in
Chinese without a 500."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kexie.core.audit import history_for
from kexie.core.services import SYSTEM
from kexie.kepu.content import library, media, services
from kexie.kepu.content.sanitize import clean_html, plain_text
from kexie.kepu.models import Adoption, Item, ItemStatus, Topic
from tests.conftest import login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def make(org, title="秋冬季流感防护指南", body="<p>勤洗手。</p><p>接种疫苗可以降低重症风险。</p>", actor=SYSTEM,
         **kw) -> Item:
    return services.create_item(actor, org=org, kind="article", title=title, summary="流感季如何防护", body=body,
                                **kw)


def published(org, title="省级科普：如何识别谣言") -> Item:
    item = make(org, title=title)
    Item.objects.filter(pk=item.pk).update(status=ItemStatus.PUBLISHED, published_at="2026-01-05T10:00:00+08:00")
    item.refresh_from_db()
    return item


# ---- sanitisation ----------------------------------------------------------------------------------------
def test_clean_html_removes_scripts_styles_event_handlers_and_javascript_urls():
    dirty = ('<p onclick="steal()">正文<script>alert(1)</script><style>p{color:red}</style>'
             '<a href="javascript:alert(1)">坏链接</a><a href="https://kepu.example.cn/a">好链接</a>'
             '<img src="x" onerror="alert(1)"><img src="javascript:alert(2)"><img src="/kepu/media/7/" alt="图">'
             '<iframe src="https://evil.example"></iframe><div style="x">块</div></p><h2>小标题</h2>')
    clean = clean_html(dirty)
    for bad in ("<script", "alert(1)", "<style", "onclick", "onerror", "javascript:", "<iframe", "style="):
        assert bad not in clean
    assert '<a href="https://kepu.example.cn/a" rel="noopener noreferrer nofollow">好链接</a>' in clean
    assert '<img src="/kepu/media/7/" alt="图">' in clean
    assert "<h2>小标题</h2>" in clean and "坏链接" in clean


def test_plain_text_is_one_line_per_block_without_markup():
    assert plain_text("<h2>标题</h2><p>甲 &amp; 乙</p><ul><li>一</li><li>二</li></ul>") == "标题\n甲 & 乙\n一\n二"


def test_create_stores_the_sanitised_body_and_indexes_it(province):
    item = make(province["city_a"], body='<p>多喝水<script>alert(1)</script></p><p onmouseover="x">少熬夜</p>')
    assert "<script" not in item.body and "onmouseover" not in item.body
    assert item.status == ItemStatus.DRAFT and item.version == 1
    assert item.versions.get().number == 1
    assert "熬夜" in item.search_text or "少熬夜" in item.search_text
    assert history_for(item).filter(action="kepu.item.created").exists()


# ---- versions and diff ---------------------------------------------------------------------------------
def test_changing_the_body_makes_a_version_and_the_versions_page_shows_the_change(province):
    item = make(province["city_a"], actor=province["users"]["demo-city-a"])
    services.update_item(province["users"]["demo-city-a"], item, note="补充疫苗信息",
                         body="<p>勤洗手。</p><p>接种流感疫苗可以显著降低重症风险。</p>")
    item.refresh_from_db()
    assert item.version == 2
    assert list(item.versions.values_list("number", "note")) == [(2, "补充疫苗信息"), (1, "初稿")]
    services.update_item(SYSTEM, item, byline="张医生")  # no text change: no new version
    item.refresh_from_db()
    assert item.version == 2 and item.byline == "张医生"
    resp = login("demo-city-a").get(f"/kepu/manage/{item.pk}/versions/")
    assert resp.status_code == 200
    html = resp.content.decode()
    diff = html[html.index('id="diff-body"'):]
    assert "<ins>流感</ins>" in diff and "<ins>显著</ins>" in diff
    assert "补充疫苗信息" in html
    old_vs_same = login("demo-city-a").get(f"/kepu/manage/{item.pk}/versions/?a=2&b=2")
    assert old_vs_same.status_code == 200


def test_edit_page_saves_a_new_version_with_the_note(province):
    item = make(province["city_a"], actor=province["users"]["demo-city-a"])
    client = login("demo-city-a")
    assert client.get(f"/kepu/manage/{item.pk}/edit/").status_code == 200
    resp = client.post(f"/kepu/manage/{item.pk}/edit/", {
        "kind": "article", "title": "秋冬季流感防护指南（修订）", "summary": "流感季如何防护", "body": item.body,
        "note": "改标题", "done": "1"})
    assert resp.status_code == 302
    item.refresh_from_db()
    assert item.title.endswith("（修订）") and item.version == 2 and item.locked_by is None
    page = client.get(f"/kepu/manage/{item.pk}/").content.decode()
    assert "改标题" in page and "v2" in page


# ---- the lock ------------------------------------------------------------------------------------------
def test_an_editor_holding_the_lock_keeps_a_second_editor_out(province):
    editor, other = province["users"]["demo-province"], province["users"]["demo-city-a"]
    item = make(province["city_a"])
    Item.objects.filter(pk=item.pk).update(status=ItemStatus.EDITORIAL)
    services.acquire_lock(editor, item)
    with pytest.raises(ValidationError) as exc:
        services.update_item(other, item, title="抢着改")
    assert "正在编辑" in " ".join(exc.value.messages)
    resp = login("demo-city-a").get(f"/kepu/manage/{item.pk}/edit/", follow=True)
    assert "正在编辑（至" in resp.content.decode()
    item.refresh_from_db()
    assert item.title == "秋冬季流感防护指南"
    services.update_item(editor, item, title="编辑改过的标题")
    services.release_lock(editor, item)
    services.update_item(other, item, title="轮到第二位编辑")
    item.refresh_from_db()
    assert item.title == "轮到第二位编辑" and item.version == 3


def test_under_science_review_or_published_nobody_edits(province):
    item = make(province["city_a"])
    Item.objects.filter(pk=item.pk).update(status=ItemStatus.SCIENCE)
    with pytest.raises(ValidationError, match="科学性审核中"):
        services.update_item(province["users"]["demo-city-a"], item, title="改")
    Item.objects.filter(pk=item.pk).update(status=ItemStatus.PUBLISHED)
    with pytest.raises(ValidationError, match="撤稿后修改"):
        services.acquire_lock(province["users"]["demo-city-a"], item)
    page = login("demo-city-a").get(f"/kepu/manage/{item.pk}/").content.decode()
    assert 'id="item-edit"' not in page and "撤稿后修改" in page


# ---- scope ---------------------------------------------------------------------------------------------
def test_a_city_a_author_cannot_create_in_city_b_nor_see_its_items(province):
    with pytest.raises(PermissionDenied):
        make(province["city_b"], actor=province["users"]["demo-city-a"])
    b_item = make(province["city_b"], title="B市内部草稿")
    client = login("demo-city-a")
    for url in (f"/kepu/manage/{b_item.pk}/", f"/kepu/manage/{b_item.pk}/edit/",
                f"/kepu/manage/{b_item.pk}/versions/"):
        assert client.get(url).status_code == 404
    assert "B市内部草稿" not in client.get("/kepu/manage/").content.decode()
    resp = client.post("/kepu/manage/new/", {"org": province["city_b"].code, "kind": "article", "title": "越权"})
    assert resp.status_code == 400 and not Item.objects.filter(title="越权").exists()


def test_the_list_filters_and_exports_only_in_scope(province):
    a = make(province["city_a"], title="A市防汛知识", topics=[Topic.objects.get(code="disaster")])
    make(province["city_a"], title="A市食品安全")
    make(province["city_b"], title="B市防汛知识")
    client = login("demo-city-a")
    html = client.get("/kepu/manage/?topic=disaster").content.decode()
    assert "A市防汛知识" in html and "A市食品安全" not in html and "B市防汛知识" not in html
    assert a.pk and client.get("/kepu/manage/?topic=nope&status=zzz&org=zzz&kind=1").status_code == 200
    assert client.get("/kepu/manage/?q=%00").status_code == 400
    export = client.get("/kepu/manage/export/")
    assert export.status_code == 200
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "A市防汛知识" in titles and "B市防汛知识" not in titles


# ---- media ---------------------------------------------------------------------------------------------
def test_upload_an_image_check_types_and_serve_it_only_in_scope(province, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    item = make(province["city_a"])
    client = login("demo-city-a")
    resp = client.post(f"/kepu/manage/{item.pk}/media/", {
        "kind": "image", "caption": "洗手步骤", "file": SimpleUploadedFile("hands.png", PNG, "image/png")})
    assert resp.status_code == 302
    m = item.media.get()
    assert client.get(media.url_of(m)).status_code == 200
    assert login("demo-city-b").get(media.url_of(m)).status_code == 404  # a draft's file: not public
    assert Client().get(media.url_of(m)).status_code == 404
    fake = client.post(f"/kepu/manage/{item.pk}/media/", {
        "kind": "image", "file": SimpleUploadedFile("evil.png", b"MZ\x90\x00not an image", "image/png")},
        follow=True)
    assert "文件内容与扩展名" in fake.content.decode()
    wrong = client.post(f"/kepu/manage/{item.pk}/media/", {
        "kind": "video", "file": SimpleUploadedFile("clip.exe", b"MZ", "application/octet-stream")}, follow=True)
    assert "只能上传以下格式" in wrong.content.decode()
    assert item.media.count() == 1
    services.update_item(SYSTEM, item, body=f'<p>图：</p><img src="{media.url_of(m)}" alt="洗手">')
    item.refresh_from_db()
    assert media.url_of(m) in item.body
    client.post(f"/kepu/manage/media/{m.pk}/remove/")
    assert item.media.count() == 0


def test_a_too_large_image_is_refused_by_its_kind_limit(province, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    item = make(province["city_a"])
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (10 * 1024 * 1024), "image/png")
    with pytest.raises(ValidationError, match="10 MB"):
        media.add_media(SYSTEM, item, big, "image", "")


# ---- 中央厨房 ----------------------------------------------------------------------------------------------
def test_library_adoption_attribution_and_unadoption(province):
    source = published(province["root"])
    own = published(province["city_a"], title="A市自己的作品")
    b_item = published(province["city_b"], title="B市的作品")
    client = login("demo-city-a")
    html = client.get("/kepu/library/").content.decode()
    assert source.title in html and own.title not in html and b_item.title not in html
    a = province["city_a"]
    resp = client.post(f"/kepu/library/{source.pk}/", {"action": "adopt", "org": a.pk}, follow=True)
    assert "已采用" in resp.content.decode()
    adoption = Adoption.objects.get(item=source, org=a)
    assert adoption.org_path == a.path
    assert source.events.filter(action="adopted", comment=a.name).exists()
    again = client.post(f"/kepu/library/{source.pk}/", {"action": "adopt", "org": a.pk}, follow=True)
    assert "本单位已采用" in again.content.decode()
    assert login("demo-city-b").post(f"/kepu/library/adoptions/{adoption.pk}/remove/").status_code == 404
    client.post(f"/kepu/library/adoptions/{adoption.pk}/remove/")
    assert not Adoption.objects.filter(pk=adoption.pk).exists()
    assert client.post(f"/kepu/library/{b_item.pk}/", {"action": "adopt", "org": a.pk}).status_code == 404


def test_republish_makes_an_attributed_draft_of_the_adopter(province, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    source = published(province["root"])
    Item.objects.filter(pk=source.pk).update(status=ItemStatus.DRAFT)  # files are added while it is a draft
    m = media.add_media(SYSTEM, source, SimpleUploadedFile("a.png", PNG, "image/png"), "image", "配图")
    services.update_item(SYSTEM, source, body=f'<p>正文</p><img src="{media.url_of(m)}" alt="配图">')
    Item.objects.filter(pk=source.pk).update(status=ItemStatus.PUBLISHED)
    client = login("demo-city-a")
    resp = client.post(f"/kepu/library/{source.pk}/", {"action": "republish", "org": province["city_a"].pk})
    assert resp.status_code == 302
    copy = Item.objects.get(origin=source)
    assert copy.org == province["city_a"] and copy.status == ItemStatus.DRAFT
    assert copy.source == province["root"].name
    new_media = copy.media.get()
    assert media.url_of(new_media) in copy.body and media.url_of(m) not in copy.body
    assert history_for(copy).filter(action="kepu.item.republished").exists()
    page = client.get(f"/kepu/manage/{copy.pk}/").content.decode()
    assert "转载自" in page and province["root"].name in page
    with pytest.raises(ValidationError):
        library.republish(province["users"]["demo-city-a"], published(province["city_a"], "本市作品"),
                          province["city_a"])


# ---- bad input -----------------------------------------------------------------------------------------
def test_bad_input_gives_chinese_errors_and_changes_nothing(province):
    client = login("demo-city-a")
    before = Item.objects.count()
    empty = client.post("/kepu/manage/new/", {"org": province["city_a"].code, "kind": "article", "title": ""})
    assert empty.status_code == 400 and re.search("必填|请填写", empty.content.decode())
    huge = client.post("/kepu/manage/new/", {"org": province["city_a"].code, "kind": "article", "title": "长文",
                                             "body": "字" * 100_001})
    assert huge.status_code == 400 and "100000" in huge.content.decode().replace(",", "")
    bad_kind = client.post("/kepu/manage/new/", {"org": province["city_a"].code, "kind": "zzz", "title": "t",
                                                 "topics": ["999999999"], "source_url": "javascript:alert(1)"})
    assert bad_kind.status_code == 400
    assert Item.objects.count() == before
    for url in ("/kepu/manage/99999999999999999999/", "/kepu/manage/0/edit/", "/kepu/media/9223372036854775807/",
                "/kepu/manage/1/versions/?a=x&b=%00"):
        assert client.get(url).status_code in (400, 404)
    assert client.post("/kepu/library/123456789/", {"action": "adopt"}).status_code == 404
    ok = client.post("/kepu/manage/new/", {"org": province["city_a"].code, "kind": "article", "title": "正常作品",
                                           "body": "<p>正文</p>"})
    assert ok.status_code == 302 and Item.objects.filter(title="正常作品", org=province["city_a"]).exists()


def test_the_create_page_offers_pickers_and_checkboxes_never_json(province):
    html = login("demo-city-a").get("/kepu/manage/new/").content.decode()
    assert 'name="org"' in html and 'type="checkbox" name="topics"' in html and 'name="audiences"' in html
    assert '<select name="regions"' in html and 'name="incident"' in html and "data-editor" in html
    assert "kepu/editor.js" in html and "{" not in html.split('id="kepu-item-form"')[1].split("</form>")[0]
    assert login("demo-city-a").get("/kepu/manage/").status_code == 200
    individual = [u for n, u in province["users"].items() if n == "demo-volunteer"]
    if individual:
        client = Client()
        client.force_login(individual[0])
        assert client.get("/kepu/manage/new/").status_code == 403
        assert client.get("/kepu/library/").status_code == 403
