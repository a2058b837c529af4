"""科创云集市 and service statistics: achievements (validation, publish / withdraw, scope), the public marketplace
(only public published needs and published achievements, never contacts; search by a Chinese word), enquiries
(anonymous, rate-capped, staff notified, handled), the service dashboard (per society / per expert on hand-made
records, scope) and its Excel export."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kexie.core.audit import AuditEntry
from kexie.core.models import PiiAccess
from kexie.core.scope import prefix_q
from kexie.innovation.market import dashboard, enquiries
from kexie.innovation.market import services as market
from kexie.innovation.models import (
    Achievement,
    AchievementStatus,
    Dispatch,
    Enquiry,
    EnquiryStatus,
    Enterprise,
    Need,
    ServiceRecord,
)
from kexie.notices.models import Notification
from kexie.orgs.models import Organisation
from kexie.people.models import Person
from tests.conftest import login

_seq = itertools.count(1)
YEAR = 2019  # a year no seeded record uses

GOOD = {"title": "高效低噪齿轮修形技术", "description": "通过齿面修形使减速机噪声下降 8 dB。",
        "holders": "张三、李四", "holder_org": "江淮工业大学", "maturity": "pilot", "transfer_mode": "licence",
        "patents": "ZL202110123456.7\nzl 2019 1012 3456.x", "industry": "34", "price": "120"}


def enterprise(org, name="江淮精工齿轮有限公司", phone="13912345678") -> Enterprise:
    n = next(_seq)
    return Enterprise.objects.create(name=name, uscc=f"MKT{n:015d}", industry="34", host=org, org_path=org.path,
                                     contact_name="王经理", contact_phone=phone, status="verified")


def need(org, title, *, status="published", confidentiality="public", ent=None, description="需求说明") -> Need:
    n = next(_seq)
    return Need.objects.create(code=f"XQMKT{n:05d}", title=title, description=description, industry="34",
                               kind="research", confidentiality=confidentiality, enterprise=ent, owner=org,
                               org_path=org.path, status=status,
                               published_at=timezone.now() if status != "draft" else None)


def achievement(org, title, *, status="published", description="成果简介") -> Achievement:
    return Achievement.objects.create(title=title, description=description, maturity="pilot",
                                      transfer_mode="licence", owner=org, org_path=org.path, status=status,
                                      holders=[{"name": "张三"}], published_at=timezone.now())


# ---- achievements --------------------------------------------------------------------------------
def test_achievement_validation_in_chinese_and_nothing_saved(province):
    staff = province["users"]["demo-city-a"]
    with pytest.raises(ValidationError) as exc:
        market.create_achievement(staff, province["city_a"], title="长" * 121, description="", maturity="ripe",
                                  transfer_mode="", patents=["ZL2021101234567", "CN1234"], industry="99",
                                  price="-5")
    assert exc.value.messages == [
        "成果名称不能超过 120 个字。", "请填写成果简介。", "请选择有效的成熟度。", "请选择有效的转化方式。",
        "专利号“ZL2021101234567”格式不正确，应如 ZL202110123456.7。",
        "专利号“CN1234”格式不正确，应如 ZL202110123456.7。",
        "行业代码“99”不是国民经济行业分类的大类代码。", "参考价格应为非负数（万元）。"]
    with pytest.raises(ValidationError) as exc:
        market.create_achievement(staff, province["city_a"], **{**GOOD, "title": " ", "patents": [1, 2]})
    assert exc.value.messages == ["请填写成果名称。", "专利应为专利号列表。"]
    assert not Achievement.objects.filter(owner=province["city_a"], created_by=staff).exists()


def test_achievement_publish_flow_scope_and_audit(province):
    staff = province["users"]["demo-city-a"]
    ach = market.create_achievement(staff, province["city_a"], **GOOD)
    assert ach.status == AchievementStatus.DRAFT
    assert ach.holders == [{"name": "张三"}, {"name": "李四"}]
    assert ach.patents == ["ZL202110123456.7", "ZL201910123456.X"]
    assert str(ach.price) == "120.00"
    with pytest.raises(PermissionDenied):
        market.create_achievement(province["users"]["demo-city-b"], province["city_a"], **GOOD)
    with pytest.raises(PermissionDenied):
        market.publish_achievement(province["users"]["demo-city-b"], ach)
    with pytest.raises(ValidationError) as exc:
        market.withdraw_achievement(staff, ach)
    assert exc.value.messages == ["只有已发布的成果可以下架。"]
    market.publish_achievement(staff, ach)
    ach.refresh_from_db()
    assert ach.status == AchievementStatus.PUBLISHED and ach.published_at is not None
    with pytest.raises(ValidationError) as exc:
        market.publish_achievement(staff, ach)
    assert exc.value.messages == ["该成果已发布。"]
    market.edit_achievement(staff, ach, price="")
    market.withdraw_achievement(staff, ach, "暂停转化")
    assert Achievement.objects.get(pk=ach.pk).status == AchievementStatus.WITHDRAWN
    actions = list(AuditEntry.objects.filter(object_id=ach.pk, action__startswith="innovation.achievement.")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["innovation.achievement.created", "innovation.achievement.published",
                       "innovation.achievement.edited", "innovation.achievement.withdrawn"]


def test_achievement_pages(province):
    client = login("demo-city-a")
    resp = client.post("/innovation/achievements/new/", {"owner": province["city_a"].pk, **GOOD, "maturity": "",
                                                         "action": "publish"})
    assert resp.status_code == 400 and "请选择有效的成熟度。" in resp.content.decode()
    assert not Achievement.objects.filter(title=GOOD["title"]).exists()
    resp = client.post("/innovation/achievements/new/", {"owner": province["city_a"].pk, **GOOD, "action": "publish"})
    ach = Achievement.objects.get(title=GOOD["title"])
    assert resp.status_code == 302 and ach.status == AchievementStatus.PUBLISHED
    assert GOOD["title"] in client.get("/innovation/achievements/").content.decode()
    assert client.get(f"/innovation/achievements/{ach.pk}/").status_code == 200
    client.post(f"/innovation/achievements/{ach.pk}/act/", {"action": "withdraw"})
    assert Achievement.objects.get(pk=ach.pk).status == AchievementStatus.WITHDRAWN
    resp = client.post(f"/innovation/achievements/{ach.pk}/edit/", {**GOOD, "title": "新名称"})
    assert resp.status_code == 302 and Achievement.objects.get(pk=ach.pk).title == "新名称"
    # City B sees neither the row nor the page.
    client_b = login("demo-city-b")
    assert "新名称" not in client_b.get("/innovation/achievements/").content.decode()
    assert client_b.get(f"/innovation/achievements/{ach.pk}/").status_code == 404


# ---- the public marketplace ----------------------------------------------------------------------
@pytest.fixture
def listing(province):
    a = province["city_a"]
    ent = enterprise(a, name="保密精工有限公司", phone="13911112222")
    return {
        "open": need(a, "智能齿轮降噪技术需求", ent=ent, description="减速机齿轮啮合噪声偏高"),
        "matching": need(a, "风电轴承寿命提升", status="matching", ent=ent),
        "matched": need(a, "数控机床热变形补偿", status="matched", ent=ent),
        "draft": need(a, "草稿需求不可见", status="draft", ent=ent),
        "closed": need(a, "已关闭需求不可见", status="closed", ent=ent),
        "private": need(a, "仅对匹配专家可见的需求", confidentiality="matched", ent=ent),
        "ach": achievement(a, "高分子材料降噪涂层", description="一种用于齿轮箱的降噪涂层"),
        "ach_draft": achievement(a, "未发布的成果", status="draft"),
        "ach_withdrawn": achievement(a, "已下架的成果", status="withdrawn"),
        "ach_deleted": Achievement.objects.filter(pk=achievement(a, "已删除的成果").pk).update(
            deleted_at=timezone.now()),
        "enterprise": ent,
    }


def test_marketplace_shows_only_public_published_items_and_never_contacts(client, listing):
    resp = client.get("/innovation/market/")  # anonymous
    assert resp.status_code == 200
    html = resp.content.decode()
    for key in ("open", "matching", "matched"):
        assert listing[key].title in html
        assert f"/innovation/market/needs/{listing[key].pk}/" in html
    assert "高分子材料降噪涂层" in html
    for hidden in ("草稿需求不可见", "已关闭需求不可见", "仅对匹配专家可见的需求", "未发布的成果", "已下架的成果",
                   "已删除的成果"):
        assert hidden not in html
    for key in ("open", "matched"):
        detail = client.get(f"/innovation/market/needs/{listing[key].pk}/")
        assert detail.status_code == 200
        body = detail.content.decode()
        assert "13911112222" not in body and "1391111" not in body and "保密精工有限公司" not in body
        assert "王经理" not in body
    for key in ("draft", "closed", "private"):
        assert client.get(f"/innovation/market/needs/{listing[key].pk}/").status_code == 404
        assert client.post(f"/innovation/market/needs/{listing[key].pk}/", {"name": "x"}).status_code == 404
    assert client.get(f"/innovation/market/achievements/{listing['ach'].pk}/").status_code == 200
    for key in ("ach_draft", "ach_withdrawn"):
        assert client.get(f"/innovation/market/achievements/{listing[key].pk}/").status_code == 404


def test_marketplace_search_and_filters(client, listing):
    html = client.get("/innovation/market/", {"q": "降噪"}).content.decode()
    assert "智能齿轮降噪技术需求" in html and "高分子材料降噪涂层" in html
    assert "风电轴承寿命提升" not in html
    html = client.get("/innovation/market/", {"q": "齿轮噪声"}).content.decode()  # segmented: 齿轮 + 噪声
    assert "智能齿轮降噪技术需求" in html and "风电轴承寿命提升" not in html
    html = client.get("/innovation/market/", {"q": "降噪", "kind": "achievement"}).content.decode()
    assert "高分子材料降噪涂层" in html and "智能齿轮降噪技术需求" not in html
    html = client.get("/innovation/market/", {"kind": "need"}).content.decode()
    assert "风电轴承寿命提升" in html and "高分子材料降噪涂层" not in html
    html = client.get("/innovation/market/", {"maturity": "industrial"}).content.decode()
    assert "高分子材料降噪涂层" not in html and "智能齿轮降噪技术需求" not in html
    html = client.get("/innovation/market/", {"maturity": "pilot", "industry": "99"}).content.decode()
    assert "高分子材料降噪涂层" in html and "风电轴承寿命提升" not in html
    assert client.get("/innovation/market/", {"page": "2"}).status_code == 200


# ---- enquiries --------------------------------------------------------------------------------------
def test_anonymous_enquiry_is_saved_and_the_owners_staff_told(client, listing, province):
    target = listing["open"]
    resp = client.post(f"/innovation/market/needs/{target.pk}/", {
        "name": "赵工", "organisation": "某研究所", "contact": "139 0000 1111", "text": "我所有齿轮修形技术，可对接。"})
    assert resp.status_code == 302
    enquiry = Enquiry.objects.get(need=target)
    assert enquiry.contact == "13900001111" and enquiry.org_path == target.org_path
    assert enquiry.status == EnquiryStatus.NEW
    staff = province["users"]["demo-city-a"]
    assert Notification.objects.filter(user=staff, key=f"innovation-enquiry-{enquiry.pk}").exists()
    assert AuditEntry.objects.filter(action="innovation.enquiry.lodged", object_id=enquiry.pk).exists()
    # Achievements too, with an e-mail address.
    resp = client.post(f"/innovation/market/achievements/{listing['ach'].pk}/", {
        "name": "钱经理", "contact": "Buyer@Example.com", "text": "有意向许可使用。"})
    assert resp.status_code == 302
    assert Enquiry.objects.get(achievement=listing["ach"]).contact == "buyer@example.com"


def test_bad_enquiry_is_refused_with_chinese_messages_and_nothing_saved(client, listing):
    url = f"/innovation/market/needs/{listing['open'].pk}/"
    resp = client.post(url, {"name": "", "contact": "12345", "text": ""})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "请填写联系人姓名。" in html and "联系方式应为手机号、座机号或电子邮箱。" in html and "请填写意向说明。" in html
    assert client.post(url, {"name": "赵工", "contact": "", "text": "x"}).status_code == 400
    assert client.post(url, {"name": "赵工", "contact": "a@b", "text": "x"}).status_code == 400
    assert not Enquiry.objects.filter(need=listing["open"]).exists()
    # The same contact may write to one target three times a day.
    for _ in range(3):
        assert client.post(url, {"name": "赵工", "contact": "13900001111", "text": "对接"}).status_code == 302
    resp = client.post(url, {"name": "赵工", "contact": "+86 139-0000-1111".replace("-", ""), "text": "对接"})
    assert resp.status_code == 400 and "一天内最多提交 3 次" in resp.content.decode()
    assert Enquiry.objects.filter(need=listing["open"]).count() == 3


def test_csrf_protects_the_enquiry_form(listing):
    client = Client(enforce_csrf_checks=True)
    resp = client.post(f"/innovation/market/needs/{listing['open'].pk}/",
                       {"name": "赵工", "contact": "13900001111", "text": "对接"})
    assert resp.status_code == 403 and not Enquiry.objects.filter(need=listing["open"]).exists()


def test_enquiries_are_handled_by_staff_in_scope(listing, province):
    enquiry = enquiries.lodge_enquiry(None, listing["open"], "赵工", "", "13900001111", "对接")
    with pytest.raises(PermissionDenied):
        enquiries.handle_enquiry(province["users"]["demo-city-b"], enquiry, "已联系")
    with pytest.raises(ValidationError) as exc:
        enquiries.handle_enquiry(province["users"]["demo-city-a"], enquiry, " ")
    assert exc.value.messages == ["请填写处理说明。"]
    client = login("demo-city-a")
    html = client.get("/innovation/enquiries/").content.decode()
    assert "赵工" in html and "139******11" in html and "13900001111" not in html
    assert "赵工" not in login("demo-city-b").get("/innovation/enquiries/").content.decode()
    assert login("demo-city-b").get(f"/innovation/enquiries/{enquiry.pk}/").status_code == 404
    resp = client.get(f"/innovation/enquiries/{enquiry.pk}/")
    assert "13900001111" in resp.content.decode()
    assert PiiAccess.objects.filter(object_id=enquiry.pk, field="contact").count() == 1
    resp = client.post(f"/innovation/enquiries/{enquiry.pk}/", {"note": "已电话联系，约定上门对接"})
    assert resp.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.status == EnquiryStatus.HANDLED and enquiry.handled_by == province["users"]["demo-city-a"]
    with pytest.raises(ValidationError) as exc:
        enquiries.handle_enquiry(province["users"]["demo-city-a"], enquiry, "再次")
    assert exc.value.messages == ["该对接意向已处理。"]
    with pytest.raises(ValidationError):  # no longer public: no enquiry
        Need.objects.filter(pk=listing["open"].pk).update(status="closed")
        enquiries.lodge_enquiry(None, listing["open"], "赵工", "", "13900001112", "对接")


# ---- service statistics ---------------------------------------------------------------------------
@pytest.fixture
def services_set(province):
    """City A: a dispatch of society S (two experts, rated 5), a record without dispatch by S (expert P1, an
    unregistered enterprise, rated 2), a dispatch of the province society for a city-A need (P1 again: an expert
    serving in two societies, rated 4), a record of last year; city B: one record (outside city A's scope)."""
    a, b = province["city_a"], province["city_b"]
    s = (Organisation.objects.filter(prefix_q("path", [a.path]), kind__code="society").order_by("path").first()
         or a)
    s_prov = province["society"]
    assert not s_prov.path.startswith(a.path)
    s_b = Organisation.objects.filter(prefix_q("path", [b.path])).exclude(pk=b.pk).order_by("path").first() or b
    p1, p2 = Person.objects.filter(prefix_q("org_path", [a.path])).order_by("pk")[:2]
    p3 = Person.objects.filter(prefix_q("org_path", [b.path])).order_by("pk").first()
    e1 = enterprise(a, name="甲齿轮公司")
    e_b = enterprise(b, name="乙市机床公司")
    n_a = need(a, "城市A需求", status="matched", ent=e1)
    n_b = need(b, "城市B需求", status="matched", ent=e_b)
    due = timezone.now() + dt.timedelta(days=5)
    d1 = Dispatch.objects.create(need=n_a, society=s, society_path=s.path, org_path=a.path, respond_by=due)
    d2 = Dispatch.objects.create(need=n_a, society=s_prov, society_path=s_prov.path, org_path=a.path, respond_by=due)
    d3 = Dispatch.objects.create(need=n_b, society=s_b, society_path=s_b.path, org_path=b.path, respond_by=due)
    day = dt.date(YEAR, 6, 1)

    def rec(society, expert, ent, disp, rating, *, name=None, need_=None, served_on=day):
        return ServiceRecord.objects.create(society=society, expert=expert, enterprise=ent,
                                            enterprise_name=name or ent.name, need=need_, dispatch=disp,
                                            kind="research", source="dispatch" if disp else "other",
                                            served_on=served_on, rating=rating, org_path=society.path,
                                            need_path=need_.org_path if need_ else "")

    rec(s, p1, e1, d1, 5, need_=n_a)
    rec(s, p2, e1, d1, 5, need_=n_a)
    rec(s, p1, None, None, 2, name="丙科技（未注册）")
    rec(s_prov, p1, e1, d2, 4, need_=n_a)
    rec(s, p2, e1, None, 3, served_on=dt.date(YEAR - 1, 12, 31))  # another year
    rec(s_b, p3, e_b, d3, 1, need_=n_b)
    return {"s": s, "s_prov": s_prov, "s_b": s_b, "p1": p1, "p2": p2, "p3": p3}


def test_dashboard_counts_per_society_and_expert(province, services_set, settings):
    settings.KEXIE_TARGET_SOCIETIES = 2
    x = services_set
    stats = dashboard.service_stats(province["users"]["demo-city-a"], YEAR)
    socs = {r.pk: r for r in stats.societies}
    assert set(socs) == {x["s"].pk, x["s_prov"].pk}  # city B's society is outside the scope
    assert (socs[x["s"].pk].services, socs[x["s"].pk].enterprises, socs[x["s"].pk].rating) == (2, 2, 3.5)
    assert socs[x["s"].pk].records == 3
    assert (socs[x["s_prov"].pk].services, socs[x["s_prov"].pk].enterprises, socs[x["s_prov"].pk].rating) == (1, 1, 4.0)
    exps = {r.pk: r for r in stats.experts}
    assert set(exps) == {x["p1"].pk, x["p2"].pk}
    p1 = exps[x["p1"].pk]
    assert (p1.services, p1.enterprises, p1.societies, p1.rating, p1.name) == (3, 2, 2, 3.67, x["p1"].name)
    assert (exps[x["p2"].pk].services, exps[x["p2"].pk].rating) == (1, 5.0)
    t = stats.total
    assert (t.services, t.enterprises, t.records, t.rating) == (3, 2, 4, 3.67)
    assert (stats.societies_served, stats.experts_served) == (2, 2)
    assert (stats.target_societies, stats.target_experts, stats.societies_share) == (2, 1000, 100.0)
    whole = dashboard.service_stats(province["users"]["demo-province"], YEAR)
    assert (whole.total.services, whole.societies_served, whole.experts_served) == (4, 3, 3)
    assert dashboard.service_stats(province["users"]["demo-city-b"], YEAR).total.services == 1
    assert dashboard.service_stats(province["users"]["demo-city-a"], YEAR - 1).total.services == 1


def test_dashboard_page(province, services_set):
    html = login("demo-city-a").get(f"/innovation/services/?year={YEAR}").content.decode()
    assert services_set["s"].name in html and services_set["p1"].name in html
    assert services_set["s_b"].name not in html and services_set["p3"].name not in html
    assert login("demo-city-a").get("/innovation/services/?year=abc").status_code == 200


def _sheets(resp) -> dict[str, list[tuple]]:
    content = b"".join(resp.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_services_export_is_cell_checked_and_scoped(province, services_set):
    x = services_set
    resp = login("demo-city-a").get(f"/innovation/services/export/?year={YEAR}")
    assert resp.status_code == 200
    sheets = _sheets(resp)
    assert list(sheets) == ["按学会", "按专家", "服务记录", "汇总"]
    soc = sheets["按学会"]
    assert soc[0] == ("学会", "服务次数", "服务企业数", "服务记录数", "平均评价", "评价次数")
    assert sorted(soc[1:]) == sorted([(x["s"].name, 2, 2, 3, 3.5, 2), (x["s_prov"].name, 1, 1, 1, 4, 1)])
    exp = sheets["按专家"]
    assert exp[0][:4] == ("专家", "工作单位", "服务学会数", "服务次数")
    row = next(r for r in exp[1:] if r[0] == x["p1"].name)
    assert row[2:] == (2, 3, 2, 3.67, 3)
    recs = sheets["服务记录"]
    assert len(recs) == 1 + 4
    assert {r[3] for r in recs[1:]} == {"甲齿轮公司", "丙科技（未注册）"}
    assert all(r[1] != x["s_b"].name for r in recs[1:])
    assert recs[1][0] == dt.datetime(YEAR, 6, 1)
    summary = dict(sheets["汇总"][1:])
    assert summary["服务次数"] == 3 and summary["服务学会数"] == 2
    assert "乙市机床公司" not in str(sheets)


def test_services_export_holds_the_export_scope_not_the_wider_view_scope(province, services_set):
    """A user who may view the whole province but export only city A gets city A's services in the export."""
    from kexie.accounts.models import Role, RoleAssignment, User
    from kexie.accounts.services import rebuild_scope

    x = services_set
    user = User.objects.create(username="province-viewer-city-a-exporter")
    viewer = Role.objects.create(code="svc-viewer", name="全省只读", actions=["view"])
    exporter = Role.objects.create(code="svc-exporter", name="A市导出", actions=["view", "export"])
    RoleAssignment.objects.create(user=user, organisation=province["root"], role=viewer)
    RoleAssignment.objects.create(user=user, organisation=province["city_a"], role=exporter)
    rebuild_scope(user)
    client = Client()
    client.force_login(user)
    page = client.get(f"/innovation/services/?year={YEAR}").content.decode()
    assert x["s_b"].name in page  # the dashboard shows what the user may view
    sheets = _sheets(client.get(f"/innovation/services/export/?year={YEAR}"))
    assert x["s_b"].name not in str(sheets) and "乙市机床公司" not in str(sheets)
    assert dict(sheets["汇总"][1:])["服务次数"] == 3  # city A's three services
    assert len(sheets["服务记录"]) == 1 + 4
