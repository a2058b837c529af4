"""What a walkthrough found (decision 0034): the organisation picker (suggestions in scope, resolution without
JavaScript, Chinese errors), phone cards of the shared table, notice titles that name their object, over-long
text and future birth dates refused, no internal file names in the evaluation description."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from kexie.imports.cells import _past_date  # noqa: PLC2701 - the birth-date cell parser itself
from kexie.orgs.models import KindCategory, Organisation
from kexie.orgs.widgets import OrgPickerField, shown
from kexie.people.models import Person
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent


def _person_form(org, **overrides):
    data = {"name": "测试庚", "gender": "", "birth_date": "", "ethnicity": "", "email": "", "org": org,
            "employer": "", "employer_name": "", "position": "", "title": "", "title_level": "", "education": "",
            "bio": "", "id_number": "", "phone": "", "expertise_text": "", "honours_text": ""}
    data.update(overrides)
    return data


def _options(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', html)


# -- the organisation picker ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_picker_suggests_organisations_in_scope_only(province):
    a, b = province["city_a"], province["city_b"]
    client = login("demo-city-a")
    url = "/orgs/picker/"
    own = client.get(url, {"field": "org", "org": a.name[:2], "action": "people.change", "list": "x"})
    assert own.status_code == 200 and shown(a) in _options(own.content.decode())
    assert 'id="x"' in own.content.decode()
    other = client.get(url, {"field": "org", "org": b.name, "action": "people.change"}).content.decode()
    assert _options(other) == []
    by_code = client.get(url, {"q": a.code[:4], "action": "people.view"}).content.decode()
    assert all(Organisation.objects.for_user(province["users"]["demo-city-a"], "people.view")
               .filter(code=v.split(" ", 1)[0]).exists() for v in _options(by_code))
    assert _options(by_code)


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"q": "\t"}, {"action": "nope"}, {"action": "x.y", "q": "科协"},
                                   {"field": "<b>", "list": "\"><script>", "q": "科"}, {"kinds": "'", "q": "科"},
                                   {"q": "科" * 5000}])
def test_picker_bad_input_is_an_empty_list(province, query):
    resp = login("demo-city-a").get("/orgs/picker/", query)
    assert resp.status_code == 200
    assert "<script>" not in resp.content.decode()
    if query.get("action") in ("nope", "x.y"):
        assert _options(resp.content.decode()) == []


@pytest.mark.django_db
def test_picker_public_mode_offers_public_associations_only(client, province):
    society = province["society"]
    resp = client.get("/orgs/picker/", {"q": society.name, "public": "1"}).content.decode()
    assert shown(society) in _options(resp)
    grassroots = Organisation.objects.alive().exclude(
        kind__category__in=[KindCategory.ASSOCIATION, KindCategory.SOCIETY]).first()
    resp = client.get("/orgs/picker/", {"q": grassroots.name, "public": "1"}).content.decode()
    assert shown(grassroots) not in _options(resp)
    # anonymous and not public: nothing
    assert _options(client.get("/orgs/picker/", {"q": society.name}).content.decode()) == []


@pytest.mark.django_db
def test_picker_field_resolves_text_and_explains_ambiguity(province):
    from django import forms

    qs = Organisation.objects.for_user(province["users"]["demo-city-a"], "people.change").alive()
    field = OrgPickerField(queryset=qs)
    a = province["city_a"]
    assert field.clean(a.code) == a
    assert field.clean(shown(a)) == a
    assert field.clean(str(a.pk)) == a
    assert field.clean(a.name) == a
    with pytest.raises(forms.ValidationError, match="对应多个组织"):
        field.clean("科学技术协会")
    with pytest.raises(forms.ValidationError, match="找不到"):
        field.clean(province["city_b"].name)
    with pytest.raises(forms.ValidationError, match="请填写组织"):
        field.clean("")


@pytest.mark.django_db
def test_person_form_without_javascript_takes_a_typed_organisation(province):
    client = login("demo-city-a")
    a = province["city_a"]
    page = client.get("/people/new/").content.decode()
    assert 'list="id_org-choices"' in page and "/orgs/picker/?" in page
    assert "<select name=\"org\"" not in page
    resp = client.post("/people/new/", _person_form(a.name))
    assert resp.status_code == 302
    person = Person.objects.get(name="测试庚")
    assert person.org == a
    edit = client.get(f"/people/{person.pk}/edit/").content.decode()
    assert f'value="{shown(a)}"' in edit
    count = Person.objects.count()
    resp = client.post("/people/new/", _person_form("科学技术协会", name="测试辛"))
    assert "对应多个组织" in resp.content.decode() and Person.objects.count() == count


# -- the table on a phone --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_list_cells_carry_their_column_labels(client_province, province):
    html = client_province.get("/people/").content.decode()
    assert 'class="list-table cards-sm"' in html
    row = re.search(r"<tbody>\s*(<tr>.*?</tr>)", html, re.S).group(1)
    labels = re.findall(r'<td data-label="([^"]*)"', row)
    assert labels[:4] == ["姓名", "性别", "出生日期", "工作单位"]
    css = (ROOT / "kexie/static/kexie/app.css").read_text()
    assert "@media (max-width: 600px)" in css and "attr(data-label)" in css


# -- notice titles ---------------------------------------------------------------------------------------------

NOTICE_APPS = ("calls", "reports", "governance", "identity", "members", "evaluation")


def _titles():
    for app in NOTICE_APPS:
        for path in sorted((ROOT / "kexie" / app).rglob("*.py")):
            if "joining" in path.parts or "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            assigned = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    assigned.setdefault(node.targets[0].id, []).append(node.value)
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "notify":
                    title = next((k.value for k in node.keywords if k.arg == "title"), None)
                    if title is None and len(node.args) > 1:
                        title = node.args[1]
                    values = assigned.get(title.id, []) if isinstance(title, ast.Name) else [title]
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", values


def _strings(node):
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_notice_titles_name_their_object():
    """Every notify() title in these apps is formatted with the object it concerns (a %(…)s or {…} field in
    each message), never a bare "审核通过"."""
    found = list(_titles())
    assert len(found) >= 6
    for where, values in found:
        assert values, where
        for value in values:
            texts = [t for t in _strings(value) if t.strip() and not t.isidentifier()]
            assert texts, where
            for text in texts:
                assert re.search(r"%\(\w+\)s|\{\w*\}", text), f"{where}: 「{text}」 names no object"


@pytest.mark.django_db
def test_returned_report_notice_names_the_campaign_and_the_organisation(province, monkeypatch):
    from kexie.reports import services
    from kexie.reports.models import Submission, SubmissionStatus

    sub = (Submission.objects.filter(status=SubmissionStatus.SUBMITTED).select_related("campaign", "organisation")
           .first())
    if sub is None:
        pytest.skip("the tiny province has no submitted report")
    sent = []
    monkeypatch.setattr(services, "users_at", lambda ids, action: {i: [province["users"]["demo-society"]] for i in ids})
    monkeypatch.setattr(services, "notify", lambda users, title, body, url, key, **kw: sent.append(title) or 1)
    services.return_submission(province["users"]["demo-province"], sub, "请补充会员数据。")
    assert sent and all(sub.campaign.name in t and sub.organisation.name in t for t in sent[-1:]), sent


# -- over-long text, birth dates, the evaluation description ------------------------------------------------

@pytest.mark.django_db
def test_over_long_text_is_a_chinese_error_and_nothing_is_saved(province):
    client = login("demo-city-a")
    count = Person.objects.count()
    resp = client.post("/people/new/", _person_form(province["city_a"].code, bio="长" * 5001))
    html = resp.content.decode()
    assert resp.status_code == 200 and "5000" in html and "确保" in html
    assert Person.objects.count() == count


@pytest.mark.django_db
def test_future_birth_dates_are_refused(province):
    from django.core.exceptions import ValidationError

    from kexie.imports.cells import CellError
    from kexie.people import services

    client = login("demo-city-a")
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    count = Person.objects.count()
    resp = client.post("/people/new/", _person_form(province["city_a"].code, birth_date=tomorrow))
    assert "出生日期不能晚于今天" in resp.content.decode() and Person.objects.count() == count
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.create_person(province["users"]["demo-city-a"],
                               {"name": "测试壬", "org": province["city_a"],
                                "birth_date": timezone.localdate() + dt.timedelta(days=3)}, [])

    class Ctx:
        today = timezone.localdate()

    with pytest.raises(CellError, match="晚于今天"):
        _past_date(Ctx(), None, tomorrow)
    ok = client.post("/people/new/", _person_form(province["city_a"].code, birth_date="1980-05-06"))
    assert ok.status_code == 302


@pytest.mark.django_db
def test_evaluation_description_shows_no_internal_file_names(province):
    from kexie.evaluation.models import IndicatorSystem

    client = login("demo-province")
    systems = list(IndicatorSystem.objects.all())
    if not systems:
        pytest.skip("no indicator system installed")
    internal = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b|\.json\b|\.py\b|\b\w+_annual\b(?! *\.)")
    for system in systems:
        html = client.get(f"/evaluation/systems/{system.pk}/").content.decode()
        description = re.search(r"<summary>说明</summary><p[^>]*>(.*?)</p>", html, re.S)
        assert description, system.code
        assert not internal.search(description.group(1)), internal.search(description.group(1)).group(0)
    for path in (ROOT / "kexie/evaluation/presets").glob("*.json"):
        assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt", path.read_text()), path.name
