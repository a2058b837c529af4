"""Data shipped with the code in both languages (issue 15 item 10, decision 0045): form schemas, aggregate headers,
project-report fields, industry and discipline names carry English labels shown in the English interface, with the
Chinese label wherever a stored schema has none; import messages go through gettext; brackets are the catalogue's."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook

from kexie.accounts.models import User
from kexie.accounts.services import grant_role
from kexie.calls.projects.services import SCHEMAS as PROJECT_SCHEMAS
from kexie.core.scope import prefix_q
from kexie.core.services import SYSTEM
from kexie.formkit import fill
from kexie.formkit import schema as S
from kexie.imports import cells, workbooks
from kexie.innovation.data import industries
from kexie.orgs.models import Level, Organisation
from kexie.people.data.disciplines import DISCIPLINES
from kexie.people.data.disciplines_en import NAMES_EN
from kexie.people.models import Discipline
from kexie.reports import aggregate as agg
from kexie.reports import excel, presets, registry, services
from kexie.reports.models import Campaign, FormVersion, ReportForm, SubmissionStatus
from tests.conftest import login

EVALUATION_PRESETS = Path(settings.BASE_DIR) / "evaluation" / "presets"


@pytest.fixture(autouse=True)
def _chinese_afterwards():
    yield
    translation.deactivate()


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# ---- every shipped schema is bilingual ------------------------------------------------------------
def _missing_english(schema: dict) -> list[str]:
    missing: list[str] = []

    def field(f: dict, where: str) -> None:
        if not f.get("label_en"):
            missing.append(f"{where}.{f['key']}: label_en")
        for name in ("help", "unit"):
            if f.get(name) and not f.get(f"{name}_en"):
                missing.append(f"{where}.{f['key']}: {name}_en")
        for c in f.get("choices") or []:
            if not isinstance(c, dict) or not c.get("label_en"):
                missing.append(f"{where}.{f['key']}: choice {c!r}")
        for col in f.get("columns") or []:
            field(col, f"{where}.{f['key']}")

    for section in S.sections(schema):
        if not section.get("title_en"):
            missing.append(f"{section['key']}: title_en")
        for f in section.get("fields") or []:
            field(f, section["key"])
    missing += [f"rule {r['expr']}: message_en" for r in S.rules(schema) if r.get("message") and not r.get("message_en")]
    return missing


def _shipped_schemas() -> dict[str, dict]:
    out = {f"reports/{name}": presets.load(name)["schema"] for name in presets.names()}
    out.update({f"calls/projects/{kind}": schema for kind, schema in PROJECT_SCHEMAS.items()})
    return out


def test_every_shipped_schema_field_section_column_and_choice_has_an_english_label():
    schemas = _shipped_schemas()
    assert len(schemas) >= 4
    for name, schema in schemas.items():
        assert _missing_english(schema) == [], name
        assert S.check_schema(schema, prefill=registry.METRICS if name.startswith("reports/") else ()) == [], name
        for f in S.fields(schema):  # the English is not the Chinese copied over
            assert f["label_en"] != f["label"] and f["label_en"].isascii(), (name, f["key"])


def test_every_shipped_indicator_has_an_english_name():
    for path in sorted(EVALUATION_PRESETS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for group in data["groups"]:
            assert group.get("name_en", "").isascii() and group["name_en"], (path.name, group["code"])
            for leaf in group["leaves"]:
                assert leaf.get("name_en", "").isascii() and leaf["name_en"], (path.name, leaf["code"])


# ---- the schema helpers ---------------------------------------------------------------------------
BARE = {"sections": [{"key": "a", "title": "基本情况", "fields": [
    {"key": "n", "label": "人数", "type": "number", "unit": "人"},
    {"key": "k", "label": "类别", "type": "choice", "choices": ["甲", "乙"]},
]}], "rules": [{"expr": "n <= 10", "message": "人数过多"}]}

BILINGUAL = {"sections": [{"key": "a", "title": "基本情况", "title_en": "Basics", "fields": [
    {"key": "n", "label": "人数", "label_en": "Headcount", "type": "number", "unit": "人", "unit_en": "persons",
     "help": "年底人数", "help_en": "At year end"},
    {"key": "k", "label": "类别", "label_en": "Category", "type": "choice",
     "choices": [{"value": "甲", "label_en": "Class A"}, "乙"]},
    {"key": "t", "label": "明细", "label_en": "Details", "type": "table", "columns": [
        {"key": "v", "label": "金额", "label_en": "Amount", "type": "number"}]},
]}], "rules": [{"expr": "n <= 10", "message": "人数过多", "message_en": "Too many people"}]}


def test_a_schema_without_english_labels_falls_back_to_chinese_in_the_english_interface():
    assert S.check_schema(BARE) == []
    with translation.override("en"):
        [section] = fill.views(BARE, {"k": "甲"})
        assert section.title == "基本情况"
        assert [f.label for f in section.fields] == ["人数", "类别"]
        assert section.fields[0].unit == "人" and section.fields[1].options == [("甲", "甲"), ("乙", "乙")]
        assert S.clean(BARE, {"n": 11}, submit=True).errors[S.ALL] == ["人数过多"]


def test_english_labels_in_the_english_interface_and_chinese_in_the_chinese_one():
    assert S.check_schema(BILINGUAL) == []
    data = {"n": 3, "k": "甲", "t": [{"v": 2}]}
    with translation.override("en"):
        [section] = fill.views(BILINGUAL, data)
        n, k, t = section.fields
        assert section.title == "Basics"
        assert (n.label, n.unit, n.help) == ("Headcount", "persons", "At year end")
        assert k.label == "Category" and k.options == [("甲", "Class A"), ("乙", "乙")] and k.shown == "Class A"
        assert k.value == "甲"  # the stored value stays the Chinese one
        assert t.columns[0].label == "Amount"
        assert S.figure_keys(BILINGUAL)["n"] == "Headcount"
        assert "Amount" in S.figure_keys(BILINGUAL)["t.v"]
        assert S.clean(BILINGUAL, {"n": 11}, submit=True).errors[S.ALL] == ["Too many people"]
        assert "Headcount" in S.clean(BILINGUAL, {"n": "x"}, submit=False).errors["n"][0]
    with translation.override("zh-hans"):
        [section] = fill.views(BILINGUAL, data)
        n, k, _t = section.fields
        assert (section.title, n.label, n.unit, n.help) == ("基本情况", "人数", "人", "年底人数")
        assert k.options == [("甲", "甲"), ("乙", "乙")]
        assert S.clean(BILINGUAL, {"n": 11}, submit=True).errors[S.ALL] == ["人数过多"]


def test_a_choice_is_stored_by_its_value_whichever_label_was_typed():
    f = S.field_map(BILINGUAL)["k"]
    assert S.clean_value(f, "甲") == "甲" and S.clean_value(f, "Class A") == "甲"
    with pytest.raises(ValueError, match="甲、乙"):
        S.clean_value(f, "Class B")
    assert S.check_schema({"sections": [{"key": "a", "title": "A", "fields": [
        {"key": "k", "label": "K", "type": "choice", "choices": [{"value": "甲"}, "甲"]}]}]}) == [
        "选项字段“k”有重复的选项。"]
    assert S.check_schema({"sections": [{"key": "a", "title": "A", "fields": [
        {"key": "k", "label": "K", "type": "choice", "choices": [{"label_en": "no value"}]}]}]}) == [
        "选项字段“k”没有选项。"]


# ---- pages ----------------------------------------------------------------------------------------
def _county(province):
    return (Organisation.objects.filter(prefix_q("path", [province["city_a"].path]), kind__code="kx",
                                        level=Level.COUNTY).order_by("path").first())


@pytest.fixture
def preset_campaign(province):
    """The shipped 县级科协年报 run by city A for its county associations, and a county filer."""
    version = FormVersion.objects.filter(form__code="county_annual", status="published").order_by("-number").first()
    today = timezone.localdate()
    campaign = services.create_campaign(province["users"]["demo-city-a"], version=version, name="双语测试",
                                        year=today.year - 1, root=province["city_a"], kinds=["kx"],
                                        levels=[Level.COUNTY], opens_on=today - dt.timedelta(days=3),
                                        deadline=today + dt.timedelta(days=10), remind_days=[1])
    user = User.objects.create(username="bilingual-county", email="bilingual@example.org")
    grant_role(SYSTEM, user, _county(province), "staff")
    return campaign


@pytest.mark.django_db
def test_a_preset_fill_page_shows_english_labels_in_the_english_interface(province, preset_campaign):
    sub = preset_campaign.submissions.get(organisation=_county(province))
    url = f"/reports/submissions/{sub.pk}/"
    chinese = login("bilingual-county").get(url).content.decode()
    assert "实有工作人员数" in chinese and "机构与经费" in chinese and "Staff in post" not in chinese
    page = english(login("bilingual-county")).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Staff in post" in html and "Staffing and Funding" in html and "persons" in html
    assert "实有工作人员数" not in html and "机构与经费" not in html
    # an error names the field in the interface language; the stored value is typed as before
    bad = english(login("bilingual-county")).post(url, {"f-staff_actual": "abc", "action": "save"})
    assert bad.status_code == 400 and "Staff in post" in bad.content.decode()


@pytest.mark.django_db
def test_aggregate_headers_and_exports_follow_the_language(province):
    campaign = Campaign.objects.filter(version__form__code="county_annual").order_by("-pk").first()
    admin = province["users"]["demo-province"]
    with translation.override("en"):
        result = agg.aggregate(admin, campaign, province["root"], ["budget", "staff_actual"])
        assert result.columns == [("budget", "Operating budget of the association"), ("staff_actual", "Staff in post")]
        [(_title, head, _rows)] = excel.aggregate_sheets(result)
        assert any("Operating budget of the association" in str(h) for h in head)
    with translation.override("zh-hans"):
        result = agg.aggregate(admin, campaign, province["root"], ["budget"])
        assert result.columns == [("budget", "科协工作经费")]
    page = english(login("demo-province")).get(f"/reports/campaigns/{campaign.pk}/aggregate/?keys=budget")
    assert page.status_code == 200 and "Operating budget of the association" in page.content.decode()


@pytest.mark.django_db
def test_a_template_downloaded_in_english_imports(province, preset_campaign):
    client = english(login("demo-city-a"))
    wb = load_workbook(io.BytesIO(client.get(f"/reports/campaigns/{preset_campaign.pk}/import/template/").content))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    staff = next(i for i, h in enumerate(header, start=1) if h and str(h).startswith("Staff in post"))
    assert "persons" in header[staff - 1]
    code = _county(province).code
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == code)
    for c in range(3, len(header) + 1):
        ws.cell(row, c, 7 if c == staff else 1)
    buf = io.BytesIO()
    wb.save(buf)
    resp = login("demo-city-a").post(f"/reports/campaigns/{preset_campaign.pk}/import/",
                                     {"file": SimpleUploadedFile("filled.xlsx", buf.getvalue())})
    assert resp.status_code == 302, resp.content.decode().split("<main")[-1][:3000]  # English headers read in the Chinese interface
    sub = preset_campaign.submissions.get(organisation__code=code)
    assert sub.status == SubmissionStatus.SUBMITTED and sub.data["staff_actual"] == 7 and sub.data["budget"] == 1


@pytest.mark.django_db
def test_project_report_fields_show_in_english(province):
    with translation.override("en"):
        sections = fill.views(PROJECT_SCHEMAS["final"], {"goals": "基本完成"})
        labels = [f.label for s in sections for f in s.fields]
        assert "Attainment of objectives" in labels and "Funds spent" in labels
        goals = next(f for s in sections for f in s.fields if f.key == "goals")
        assert goals.shown == "Largely attained" and goals.value == "基本完成"


# ---- the builder ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_builder_saves_english_labels_from_its_form(province):
    client = login("demo-province")
    assert client.post("/reports/forms/", {"code": "bilingual_test", "name": "双语", "period": "annual",
                                           "owner": province["root"].code}).status_code == 302
    version = ReportForm.objects.get(code="bilingual_test").versions.get()
    url = f"/reports/versions/{version.pk}/edit/"
    client.post(url, {"op": "add_section", "s-key": "base", "s-title": "基本", "s-title_en": "Basics"})
    client.post(url, {"op": "save_field", "prefix": "n-base", "n-base-section": "base", "n-base-key": "total",
                      "n-base-label": "总数", "n-base-label_en": "Total", "n-base-type": "number",
                      "n-base-unit": "人", "n-base-unit_en": "persons"})
    client.post(url, {"op": "save_field", "prefix": "n-base", "n-base-section": "base", "n-base-key": "kind",
                      "n-base-label": "类别", "n-base-label_en": "Kind", "n-base-type": "choice",
                      "n-base-choices": "甲\n乙", "n-base-choices_en": "Class A\n"})
    client.post(url, {"op": "save_field", "prefix": "n-base", "n-base-section": "base", "n-base-key": "rows",
                      "n-base-label": "明细", "n-base-type": "table",
                      "n-base-col-TOTAL_FORMS": "1", "n-base-col-INITIAL_FORMS": "0",
                      "n-base-col-0-key": "name", "n-base-col-0-label": "名称", "n-base-col-0-label_en": "Name",
                      "n-base-col-0-type": "text"})
    client.post(url, {"op": "add_rule", "r-expr": "total >= 0", "r-message": "总数不能为负",
                      "r-message_en": "The total may not be negative"})
    version.refresh_from_db()
    section = version.schema["sections"][0]
    assert section["title_en"] == "Basics"
    total, kind, rows = section["fields"]
    assert (total["label_en"], total["unit_en"]) == ("Total", "persons")
    assert kind["label_en"] == "Kind" and kind["choices"] == [{"value": "甲", "label_en": "Class A"}, "乙"]
    assert rows["columns"][0]["label_en"] == "Name"
    assert version.schema["rules"][0]["message_en"] == "The total may not be negative"
    # the edit form shows what was saved, and English choices that do not line up are refused, nothing changed
    page = client.get(f"/reports/versions/{version.pk}/").content.decode()
    assert 'value="Total"' in page and "Class A" in page
    before = version.schema
    resp = client.post(url, {"op": "save_field", "prefix": "e-kind", "e-kind-section": "base",
                             "e-kind-original": "kind", "e-kind-key": "kind", "e-kind-label": "类别",
                             "e-kind-type": "choice", "e-kind-choices": "甲\n乙",
                             "e-kind-choices_en": "A\nB\nC"}, HTTP_HX_REQUEST="true")
    assert "英文选项有 3 行，多于 2 个选项：请逐行对应。" in resp.content.decode()
    version.refresh_from_db()
    assert version.schema == before
    # clearing the English label removes it
    client.post(url, {"op": "save_field", "prefix": "e-total", "e-total-section": "base", "e-total-original": "total",
                      "e-total-key": "total", "e-total-label": "总数", "e-total-type": "number"})
    version.refresh_from_db()
    assert "label_en" not in version.schema["sections"][0]["fields"][0]


# ---- industries and disciplines -------------------------------------------------------------------
def test_industries_have_english_names_shown_in_the_english_interface():
    assert set(industries.DIVISION_NAMES_EN) == {code for code, _n, _s in industries.DIVISIONS}
    assert set(industries.SECTION_NAMES_EN) == {code for code, _n in industries.SECTIONS}
    with translation.override("en"):
        assert industries.display_name("36") == "Manufacture of motor vehicles"
        assert industries.display_name("C") == "Manufacturing"
        assert industries.NAMES.get("65") == "Software and information technology services"
        assert ("36", "36 Manufacture of motor vehicles") in industries.division_choices()
    with translation.override("zh-hans"):
        assert industries.display_name("36") == "汽车制造业" and industries.NAMES.get("C") == "制造业"
    assert industries.display_name("XX") == "" and industries.NAMES.get("XX") is None


@pytest.mark.django_db
def test_disciplines_carry_english_names_for_the_top_two_levels(province):
    assert {code for code, _n, _p in DISCIPLINES} == set(NAMES_EN)
    assert Discipline.objects.exclude(name_en="").count() == len(DISCIPLINES)
    top = Discipline.objects.get(code="460")
    assert top.name_en == "Mechanical engineering"
    with translation.override("en"):
        assert str(top) == "460 Mechanical engineering"
        assert str(Discipline.objects.get(code="11099")) == "11099 Other disciplines of mathematics"
        assert str(Discipline(code="4601010", name="某三级学科")) == "4601010 某三级学科"  # no English: Chinese
    with translation.override("zh-hans"):
        assert str(top) == "460 机械工程"
    html = english(login("demo-province")).get("/census/").content.decode()
    assert "460 Mechanical engineering" in html and "460 机械工程" not in html


# ---- import messages and brackets -----------------------------------------------------------------
def test_import_messages_are_looked_up_in_the_catalogue(monkeypatch):
    """The message is what gettext returns for its Chinese msgid (a stand-in catalogue marks it), with the
    value filled in after the look-up by a named placeholder."""
    monkeypatch.setattr(cells, "_", lambda msgid: f"[{msgid}]")
    with pytest.raises(cells.CellError) as exc:
        cells.parse_date("2023-02-30")
    assert str(exc.value) == "[日期“%(v)s”不存在，请核对年月日。]".replace("%(v)s", "2023-02-30")
    monkeypatch.setattr(workbooks, "_", lambda msgid: f"[{msgid}]")
    assert workbooks.cell_message("姓名", "必填项") == "[“姓名”：必填项]"
    assert workbooks.cell_message("", "与第 2 行完全相同") == "与第 2 行完全相同"


def test_brackets_come_from_the_catalogue(monkeypatch):
    from kexie.core import text

    assert S.with_unit("人数", "人") == "人数（人）" and S.with_unit("人数", "") == "人数"
    monkeypatch.setattr(text, "gettext", lambda msgid: {"%(name)s（%(detail)s）": "%(name)s (%(detail)s)"}[msgid])
    assert S.with_unit("Headcount", "persons") == "Headcount (persons)"
    assert text.bracketed("Role", "view") == "Role (view)"
