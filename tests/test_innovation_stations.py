"""点火 (工作站): registration with the agreement checked, status from the agreement (daily refresh), residents,
yearly results (one per year, non-negative, not in the future, corrections audited), list/detail/export scope and
the figures per organisation subtree for reporting."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kexie.core.audit import history_for
from kexie.core.scope import prefix_q
from kexie.innovation.models import Station, StationExpert, StationStatus, StationYear
from kexie.innovation.stations import metrics
from kexie.innovation.stations import services as stations
from kexie.people.models import Person


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def make(province, org=None, user=None, **over) -> Station:
    org = org or province["city_a"]
    user = user or province["users"]["demo-city-a"]
    values = {"kind": "academician", "name": "齿轮传动院士工作站", "host_name": "江淮精工齿轮有限公司",
              "agreement_start": "2024-01-01", "agreement_end": "2030-12-31", **over}
    return stations.create_station(user, owner=org, **values)


def test_registration_checks_and_status_from_the_agreement(province):
    user = province["users"]["demo-city-a"]
    with pytest.raises(ValidationError) as exc:
        stations.create_station(user, owner=province["city_a"], kind="x", name="", host_name="",
                                agreement_start="2025-01-01", agreement_end="2024-12-31")
    assert exc.value.messages == ["请选择工作站类型。", "请填写名称。", "请填写依托单位。", "协议结束日期应晚于开始日期。"]
    with pytest.raises(PermissionDenied):
        make(province, org=province["city_b"])  # not in city A's change scope
    assert not Station.objects.filter(name="齿轮传动院士工作站").exists()
    s = make(province)
    assert s.status == StationStatus.ACTIVE and s.org_path == province["city_a"].path
    old = make(province, name="旧站", agreement_start="2018-01-01", agreement_end="2020-12-31")
    assert old.status == StationStatus.EXPIRED

    # The daily job: expired once the agreement end has passed, idempotent, and back when extended.
    assert metrics.refresh_station_statuses(dt.date(2031, 1, 1))["expired"] >= 1
    assert Station.objects.get(pk=s.pk).status == StationStatus.EXPIRED
    assert metrics.refresh_station_statuses(dt.date(2031, 1, 1)) == {"expired": 0, "reactivated": 0}
    metrics.refresh_station_statuses(timezone.localdate())
    assert Station.objects.get(pk=s.pk).status == StationStatus.ACTIVE
    with pytest.raises(ValidationError) as exc:
        stations.edit_station(user, s, agreement_end="2023-06-30")
    assert exc.value.messages == ["协议结束日期应晚于开始日期。"]
    stations.edit_station(user, s, agreement_end="2035-12-31")
    entry = history_for(s).filter(action="innovation.station.edited").get()
    assert entry.data["before"]["协议结束"] == "2030-12-31" and entry.data["after"]["协议结束"] == "2035-12-31"


def test_residents_and_yearly_results(province):
    user = province["users"]["demo-city-a"]
    s = make(province)
    mine = Person.objects.for_user(user).alive().order_by("pk").first()
    outsider = (Person.objects.alive().filter(prefix_q("org_path", [province["city_b"].path]), public_profile=False)
                .exclude(pk__in=Person.objects.for_user(user).values("pk")).first())
    stations.add_resident(user, s, mine, role="首席专家")
    with pytest.raises(ValidationError) as exc:
        stations.add_resident(user, s, mine)
    assert exc.value.messages == ["该专家已在站。"]
    with pytest.raises(ValidationError) as exc:
        stations.add_resident(user, s, outsider)
    assert exc.value.messages == ["该专家不在您的管理范围内且未公开专家信息。"]
    Person.objects.filter(pk=outsider.pk).update(public_profile=True)
    outsider.refresh_from_db()
    stations.add_resident(user, s, outsider)
    assert stations.residents_count(s) == 2
    stations.remove_resident(user, s, outsider)
    assert stations.residents_count(s) == 1
    assert StationExpert.objects.get(station=s, person=outsider).left_on == timezone.localdate()

    this_year = timezone.localdate().year
    with pytest.raises(ValidationError) as exc:
        stations.record_year(user, s, this_year + 1, projects="-1", patents="x", revenue="-5")
    assert exc.value.messages == [f"年度不能晚于今年（{this_year}）。", "合作项目数应为非负整数。", "专利数应为非负整数。",
                                  "新增产值应为非负数（万元）。"]
    assert not StationYear.objects.filter(station=s).exists()
    stations.record_year(user, s, this_year - 1, projects=4, patents=2, trained=10, revenue="350.5")
    stations.record_year(user, s, this_year - 1, projects=5, patents=2, trained=12, revenue="360")
    row = StationYear.objects.get(station=s)  # one row per year, corrected in place
    assert (row.projects, row.trained, str(row.revenue)) == (5, 12, "360.00")
    corrected = history_for(s).filter(action="innovation.station.year_recorded").order_by("id").last()
    assert corrected.data["before"]["合作项目数"] == 4 and corrected.data["after"]["合作项目数"] == 5
    with pytest.raises(PermissionDenied):
        stations.record_year(province["users"]["demo-city-b"], s, this_year - 1, projects=99)
    assert StationYear.objects.get(station=s).projects == 5


def test_pages_export_and_scope(province):
    a_user, b_user = province["users"]["demo-city-a"], province["users"]["demo-city-b"]
    s_a = make(province, name="A市院士工作站")
    s_b = make(province, org=province["city_b"], user=b_user, name="B市专家工作站", kind="expert")
    last = timezone.localdate().year - 1
    stations.record_year(a_user, s_a, last, projects=3, patents=1, trained=6, revenue="120")
    stations.add_resident(a_user, s_a, Person.objects.for_user(a_user).alive().order_by("pk").first())
    city_a = client_for(a_user)
    html = city_a.get("/innovation/stations/").content.decode()
    assert "A市院士工作站" in html and "B市专家工作站" not in html
    assert city_a.get(f"/innovation/stations/{s_b.pk}/").status_code == 404
    city_a.post(f"/innovation/stations/{s_b.pk}/act/", {"action": "year", "year": str(last), "projects": "9"})
    assert not StationYear.objects.filter(station=s_b).exists()

    resp = city_a.get("/innovation/stations/export/")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
                .active.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[0] == "名称" and "在站专家数" in header
    names = {r[0] for r in body}
    assert "A市院士工作站" in names and "B市专家工作站" not in names
    row = next(r for r in body if r[0] == "A市院士工作站")
    assert row[8:13] == (1, last, 3, 1, 6)

    resp = city_a.post("/innovation/stations/new/", {"kind": "haizhi", "name": "海智站", "host_name": "某公司",
                                                     "owner": str(province["city_a"].pk),
                                                     "agreement_start": "2025-01-01", "agreement_end": "2024-01-01"})
    assert resp.status_code == 400 and "协议结束日期应晚于开始日期。" in resp.content.decode()
    resp = city_a.post("/innovation/stations/new/", {"kind": "haizhi", "name": "海智站", "host_name": "某公司",
                                                     "owner": str(province["city_a"].pk),
                                                     "agreement_start": "2025-01-01", "agreement_end": "2028-01-01"})
    assert resp.status_code == 302 and Station.objects.filter(name="海智站", org_path=province["city_a"].path).exists()
    city_a.post(f"/innovation/stations/{s_a.pk}/act/", {"action": "delete"})
    assert Station.objects.get(pk=s_a.pk).deleted_at is not None
    assert "A市院士工作站" not in city_a.get("/innovation/stations/").content.decode()
    city_a.post(f"/innovation/stations/{s_a.pk}/act/", {"action": "restore"})
    assert Station.objects.get(pk=s_a.pk).deleted_at is None


def test_station_metrics_per_subtree(province):
    root, a, b = province["root"], province["city_a"], province["city_b"]
    a_user, b_user = province["users"]["demo-city-a"], province["users"]["demo-city-b"]
    year = timezone.localdate().year - 1
    base = metrics.station_metrics([root.path], year)[root.path]
    s1 = make(province, name="一站")
    s2 = make(province, org=b, user=b_user, name="二站")
    make(province, name="已到期", agreement_start="2015-01-01", agreement_end=f"{year - 1}-12-31")  # not that year
    revoked = make(province, name="撤销站")
    stations.record_year(a_user, s1, year, projects=2, patents=1, trained=3, revenue="100.5")
    stations.record_year(b_user, s2, year, projects=4, patents=0, trained=5, revenue="50")
    stations.record_year(a_user, revoked, year, projects=1)
    stations.revoke_station(a_user, revoked, "未履约")
    stations.record_year(a_user, s1, year - 1, projects=100)  # another year: not counted
    got = metrics.station_metrics([a.path, b.path, root.path], year)
    assert got[a.path] == {"stations": 1, "station_projects": 3, "station_patents": 1, "station_trained": 3,
                           "station_revenue": 100.5}
    assert got[b.path]["stations"] == 1 and got[b.path]["station_projects"] == 4
    assert got[root.path]["stations"] - base["stations"] == 2
    assert got[root.path]["station_revenue"] - base["station_revenue"] == 150.5
    assert metrics.station_metrics([], year) == {}


def test_the_form_resolves_any_society_and_enterprise_in_scope_by_name(province):
    """The society and the host enterprise are typed (name or credit code) and resolved over the whole scope —
    no list cut at a few hundred, so the 301st society is not refused."""
    from kexie.orgs.models import Organisation

    user = province["users"]["demo-province"]
    society = (Organisation.objects.for_user(user).alive()
               .filter(kind__code__in=stations.SOCIETY_KINDS, depth__lte=3).order_by("-path").first())
    assert society is not None
    from kexie.accounts.models import User
    from kexie.innovation.needs.enterprises import register_enterprise, verify_enterprise

    owner = User.objects.create_user("station-ent", password="x", display_name="企业联系人")
    from kexie.core.validators import uscc_check_char

    ent = register_enterprise(owner, name="站务测试精工有限公司", uscc="91990100KX0000077" + uscc_check_char(
        "91990100KX0000077"), contact_name="赵工", contact_phone="13912345678")
    ent = verify_enterprise(user, ent, "verify")
    client = client_for(user)
    page = client.get("/innovation/stations/new/").content.decode()
    assert 'name="society"' in page and "list=" in page
    data = {"kind": "haizhi", "name": "按名称选择的海智站", "host_name": "某公司", "owner": province["root"].name,
            "society": society.name, "agreement_start": "2025-01-01", "agreement_end": "2028-01-01"}
    data["host_enterprise"] = ent.uscc
    resp = client.post("/innovation/stations/new/", data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    station = Station.objects.get(name="按名称选择的海智站")
    assert station.society_id == society.pk
    assert station.host_enterprise_id == ent.pk
    resp = client.post("/innovation/stations/new/", {**data, "name": "错企业站", "host_enterprise": "不存在的企业"})
    assert resp.status_code == 400 and "该企业不在您的服务范围内" in resp.content.decode()
    assert not Station.objects.filter(name="错企业站").exists()
