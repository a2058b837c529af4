"""Error pages in Chinese inside the site layout with the reason the code gave (403, 404, 400, 500 — also with the
database down — and the CSRF refusal), Cache-Control on pages with personal data and on exports, and the one
HTTPS switch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import path

from kexie.accounts.models import User
from kexie.people.models import Person
from kexie.urls import handler400, handler403, handler404, handler500  # noqa: F401  (this urlconf's handlers)
from kexie.urls import urlpatterns as site_urlpatterns
from tests.conftest import login


def boom(request):
    list(User.objects.all()[:1])  # the database answers, or the request fails here
    raise RuntimeError("unexpected")


urlpatterns = [path("boom/", boom), *site_urlpatterns]


def _layout(html: str) -> bool:
    """The page sits in the site layout: the header with the brand and the language switcher."""
    return 'class="container-fluid topbar"' in html and "科协数字平台" in html and 'action="/i18n/setlang/"' in html


@pytest.mark.django_db
def test_refusal_shows_its_reason_in_the_layout(province):
    client = Client()
    client.force_login(User.objects.create(username="no-enterprise-yet"))
    resp = client.get("/innovation/new/")
    html = resp.content.decode()
    assert resp.status_code == 403
    assert "企业尚未通过核验，暂不能发布需求。" in html and "无权访问（403）" in html
    assert _layout(html) and 'id="notices-link"' in html  # the signed-in navigation too
    assert "Forbidden" not in html


@pytest.mark.django_db
def test_not_found_is_chinese_with_the_reason_and_hides_the_url_list(client_a, province):
    outside = Person.objects.exclude(pk__in=Person.objects.for_user(province["users"]["demo-city-a"])).first()
    resp = client_a.get(f"/people/{outside.pk}/")
    html = resp.content.decode()
    assert resp.status_code == 404 and "记录不存在或您无权访问。" in html and "页面不存在（404）" in html
    assert _layout(html)
    resp = client_a.get("/no-such-page/")
    html = resp.content.decode()
    assert resp.status_code == 404 and "您访问的页面或记录不存在" in html and _layout(html)
    assert "tried" not in html and "Not Found" not in html


@pytest.mark.django_db
def test_malformed_export_filter_is_a_chinese_400_page(client_a):
    resp = client_a.get("/census/export/", {"title_level": "no-such-level"})
    html = resp.content.decode()
    assert resp.status_code == 400 and "筛选条件有误，无法导出。" in html and "请求有误（400）" in html
    assert _layout(html)


@pytest.mark.django_db
def test_nul_characters_are_refused_before_any_view(client_a, province):
    """PostgreSQL cannot store NUL in text: such a request gets the 400 page and changes nothing."""
    org = province["city_a"]
    for resp in (client_a.get("/innovation/market/", {"q": "齿轮\x00"}),
                 client_a.post(f"/orgs/{org.pk}/edit/", {"name": "新名\x00称"}),
                 client_a.get("/people/1/reveal/a%00/")):
        html = resp.content.decode()
        assert resp.status_code == 400 and "含有空字符（NUL）" in html and _layout(html)
    assert type(org).objects.get(pk=org.pk).name == org.name


@pytest.mark.django_db
def test_htmx_refusal_is_a_short_fragment(province):
    client = Client()
    client.force_login(User.objects.create(username="no-enterprise-htmx"))
    resp = client.get("/innovation/new/", headers={"HX-Request": "true"})
    assert resp.status_code == 403
    assert resp.content.decode() == '<p class="msg msg-error" role="alert">企业尚未通过核验，暂不能发布需求。</p>'


@pytest.mark.django_db
def test_api_refusals_stay_json(client_a):
    resp = client_a.get("/api/v1/no-such-endpoint/")
    assert resp.status_code == 404 and resp.json() == {"detail": "记录不存在或您无权访问。"}


@pytest.mark.django_db
@pytest.mark.urls("tests.test_errors")
def test_server_error_page_renders_with_the_database_down(province):
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="demo-city-a"))
    queries: list[str] = []

    def database_down(execute, sql, params, many, context):
        queries.append(sql)
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(database_down):
        resp = client.get("/boom/")
    html = resp.content.decode()
    assert resp.status_code == 500
    assert "服务器内部错误（500）" in html and "平台处理这次请求时出错" in html and _layout(html)
    assert "no-store" in resp["Cache-Control"]
    assert len(queries) == 1  # the view's own query; the page and the middleware asked for nothing


@pytest.mark.django_db
@pytest.mark.urls("tests.test_errors")
def test_server_error_falls_back_to_a_static_page(monkeypatch):
    from django.template import loader

    def broken(name, *args, **kwargs):
        raise RuntimeError("templates unavailable")

    monkeypatch.setattr(loader, "get_template", broken)
    resp = Client(raise_request_exception=False).get("/boom/")
    assert resp.status_code == 500 and "服务器内部错误（500）" in resp.content.decode()


@pytest.mark.django_db
def test_csrf_failure_page_is_chinese(province):
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="demo-city-a"))
    resp = client.post("/notices/read-all/")
    html = resp.content.decode()
    assert resp.status_code == 403
    assert "安全校验未通过（403）" in html and "安全" in html and _layout(html)
    assert "CSRF verification failed" not in html


# ---- Cache-Control ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_personal_pages_and_exports_are_not_stored(client_a, province):
    person = Person.objects.for_user(province["users"]["demo-city-a"]).first()
    for url in (f"/people/{person.pk}/", "/orgs/export/"):
        resp = client_a.get(url)
        assert resp.status_code == 200, url
        assert {"no-store", "private"} <= {p.strip() for p in resp["Cache-Control"].split(",")}, url
    export = client_a.get("/orgs/export/")
    assert "attachment" in export["Content-Disposition"]


@pytest.mark.django_db
def test_public_pages_stay_cacheable(client):
    resp = client.get("/innovation/market/")  # the marketplace, open to anyone
    assert resp.status_code == 200
    assert "no-store" not in resp.get("Cache-Control", "")
    assert "no-store" in login("demo-city-a").get("/").get("Cache-Control", "")


# ---- the HTTPS switch -----------------------------------------------------------------------------------
def _settings_under(env: dict[str, str]) -> dict:
    code = ("import json, kexie.settings as s; print(json.dumps({k: getattr(s, k) for k in ("
            "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS',"
            "'SECURE_PROXY_SSL_HEADER', 'SECURE_SSL_REDIRECT')}))")
    base = {k: v for k, v in os.environ.items() if k not in ("KEXIE_HTTPS", "KEXIE_SECURE_COOKIES")}
    out = subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_one_setting_switches_https(tmp_path):
    on = _settings_under({"KEXIE_HTTPS": "1", "KEXIE_VAR_DIR": str(tmp_path)})
    assert on == {"SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_HSTS_SECONDS": 31536000,
                  "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
                  "SECURE_SSL_REDIRECT": True}
    off = _settings_under({"KEXIE_VAR_DIR": str(tmp_path)})
    assert off == {"SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False, "SECURE_HSTS_SECONDS": 0,
                   "SECURE_HSTS_INCLUDE_SUBDOMAINS": False, "SECURE_PROXY_SSL_HEADER": None,
                   "SECURE_SSL_REDIRECT": False}
