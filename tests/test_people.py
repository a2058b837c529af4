import io

import openpyxl
import pytest

from kexie.core.models import PiiAccess
from kexie.people import services
from kexie.people.models import Person


def _valid_id(birth="19800101", region="990100", seq="123"):
    from kexie.core.validators import id_check_char

    body = f"{region}{birth}{seq}"
    return body + id_check_char(body)


@pytest.mark.django_db
def test_identifiers_are_encrypted_at_rest_and_masked(province):
    from django.db import connection

    user = province["users"]["demo-city-a"]
    idn = _valid_id()
    p = services.create_person(user, {"name": "测试甲", "org": province["city_a"], "id_number": idn,
                                      "phone": "13912345678", "expertise": ["深度学习"]})
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM people_person WHERE id = %s", [p.pk])
        raw_id, raw_phone = cur.fetchone()
    assert idn not in raw_id and "13912345678" not in raw_phone
    p.refresh_from_db()
    assert p.id_number == idn and p.phone == "13912345678"
    assert p.id_number_masked == idn[:2] + "*" * 16
    assert p.phone_masked == "139******78"
    assert p.gender == "M" and p.birth_date.isoformat() == "1980-01-01"  # derived from the ID number


@pytest.mark.django_db
def test_pages_mask_and_reveal_is_logged(client_a, province):
    user = province["users"]["demo-city-a"]
    idn = _valid_id(seq="456")
    p = services.create_person(user, {"name": "测试乙", "org": province["city_a"], "id_number": idn,
                                      "phone": "13800001111"})
    page = client_a.get(f"/people/{p.pk}/").content.decode()
    assert idn not in page and "138******11" in page
    resp = client_a.post(f"/people/{p.pk}/reveal/id_number/")
    assert resp.status_code == 200 and idn in resp.content.decode()
    log = PiiAccess.objects.get(object_id=p.pk)
    assert log.user == user and log.field == "id_number"


@pytest.mark.django_db
def test_staff_role_cannot_reveal(province):
    from tests.conftest import login

    society = province["society"]
    member = Person.objects.filter(memberships__society=society).exclude(phone="").first()
    client = login("demo-society")  # role "staff": no view_pii
    resp = client.post(f"/people/{member.pk}/reveal/phone/")
    assert resp.status_code == 403 and "无权查看完整个人信息" in resp.content.decode()
    assert not PiiAccess.objects.filter(object_id=member.pk).exists()


@pytest.mark.django_db
def test_search_by_expertise_name_and_employer(client_province, province):
    target = Person.objects.alive().exclude(expertise=[]).order_by("id")[5]
    for q in (target.expertise[0], target.name, f"{target.name} {target.expertise[0]}"):
        html = client_province.get("/people/", {"q": q}).content.decode()
        assert f"/people/{target.pk}/" in html, q
    assert "没有符合条件的人员" in client_province.get("/people/", {"q": "不存在的专业术语喵"}).content.decode()


@pytest.mark.django_db
def test_search_results_all_match(province):
    keyword = Person.objects.alive().exclude(expertise=[]).first().expertise[0]
    found = Person.objects.filter(search_text__tokens=keyword)
    assert found.exists()
    for p in found:
        assert any(keyword in k for k in p.expertise) or keyword in p.name or keyword in p.employer_name \
            or keyword in p.title


@pytest.mark.django_db
def test_filters_and_export_agree(client_province, province):
    params = {"gender": "F", "title_level": "senior"}
    html = client_province.get("/people/", params).content.decode()
    expected = Person.objects.alive().filter(gender="F", title_level="senior").count()
    assert f"共 {expected} 条" in html
    resp = client_province.get("/people/export/", params)
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert len(rows) - 1 == expected
    assert {r[1] for r in rows[1:]} == {"女"}


@pytest.mark.django_db
def test_person_history_shows_changes(client_a, province):
    user = province["users"]["demo-city-a"]
    p = services.create_person(user, {"name": "测试丙", "org": province["city_a"], "title": "工程师"})
    services.update_person(user, p, {"title": "高级工程师"})
    html = client_a.get(f"/people/{p.pk}/").content.decode()
    assert "工程师 → 高级工程师" in html


@pytest.mark.django_db
def test_soft_delete_and_restore(client_a, province):
    user = province["users"]["demo-city-a"]
    p = services.create_person(user, {"name": "测试丁", "org": province["city_a"]})
    assert client_a.post(f"/people/{p.pk}/delete/").status_code == 302
    assert not Person.objects.alive().filter(pk=p.pk).exists()
    assert Person.objects.filter(pk=p.pk).exists()
    assert client_a.post(f"/people/{p.pk}/restore/").status_code == 302
    assert Person.objects.alive().filter(pk=p.pk).exists()


@pytest.mark.django_db
def test_own_data_page_and_export(province):
    from tests.conftest import login

    client = login("demo-scientist")
    me = Person.objects.get(user__username="demo-scientist")
    assert me.name in client.get("/me/").content.decode()
    resp = client.get("/me/export/")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    values = dict(list(wb.active.iter_rows(values_only=True))[1:19])
    assert values["姓名"] == me.name
    assert values["身份证号"] == (me.id_number or None)


@pytest.mark.django_db
def test_list_count_is_capped(client_province, settings):
    settings.KEXIE_LIST_COUNT_CAP = 60
    html = client_province.get("/people/").content.decode()
    assert "超过 60 条" in html and "下一页" in html
    settings.KEXIE_LIST_COUNT_CAP = 1_000_000
    total = Person.objects.alive().count()
    assert f"共 {total} 条" in client_province.get("/people/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["demo-city-a", "demo-society", "demo-enterprise"])
def test_scope_forms_agree(province, monkeypatch, username):
    """Every query shape of the person scope (semi-join for small scopes, the per-backend form for
    large ones) gives exactly the people whose own organisation or a membership is in the subtree."""
    from kexie.core.scope import scope_paths
    from kexie.members.models import Membership
    from kexie.people import models as people_models

    user = province["users"][username]
    paths = scope_paths(user, "orgs.view")
    expected = {p.pk for p in Person.objects.all() if any(p.org_path.startswith(x) for x in paths)}
    expected |= {m.person_id for m in Membership.objects.all() if any(m.org_path.startswith(x) for x in paths)}
    assert expected
    for small, array_max in ((-1, -1), (-1, 10**9), (10**9, -1)):
        # the large-scope forms with the membership arm as a subquery and as an id array (PostgreSQL), the semi-join
        monkeypatch.setattr(people_models, "SMALL_SCOPE", small)
        monkeypatch.setattr(people_models, "MEMBER_ARRAY_MAX", array_max)
        assert set(Person.objects.for_user(user).values_list("pk", flat=True)) == expected
        # and combined with a search, as the people page counts it
        found = set(Person.objects.for_user(user).search("李").order_by()[:100000].values_list("pk", flat=True))
        assert found == {p.pk for p in Person.objects.filter(pk__in=expected).search("李")}
        assert found or username == "demo-enterprise"


@pytest.mark.django_db
def test_my_page_for_an_account_without_a_profile_shows_the_account_and_its_roles(client_a, province):
    """Most staff accounts have no scientist profile: 我的资料 in their menu opened a 404; it shows the account."""
    html = client_a.get("/me/").content.decode()
    assert "尚未关联科技工作者档案" in html
    assert province["city_a"].name in html and "管理员" in html and 'href="/accounts/password/"' in html
    assert client_a.get("/me/export/").status_code == 404  # no personal data to export
