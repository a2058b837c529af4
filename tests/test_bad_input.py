"""Bad input of every kind gets a clear Chinese message and changes nothing (SPEC §5)."""

import pytest

from kexie.core.models import AuditEntry
from kexie.orgs.models import Organisation
from kexie.people.models import Person


def _org_form(org, **overrides):
    data = {f: getattr(org, f) or "" for f in ["name", "short_name", "code", "level", "uscc", "status", "grade",
                                              "sector", "supervisor", "party_org_type", "party_org_name",
                                              "contact_name", "contact_phone", "email", "address", "website",
                                              "note"]}
    data.update(kind=org.kind_id, region=org.region_id or "", founded_on=org.founded_on or "",
                party_members=org.party_members or "")
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_wrong_uscc_checksum_is_refused(client_a, province):
    org = province["city_a"]
    before = Organisation.objects.get(pk=org.pk).updated_at
    resp = client_a.post(f"/orgs/{org.pk}/edit/", _org_form(org, uscc="91350100M000100Y44"))
    assert resp.status_code == 200
    assert "统一社会信用代码校验位不正确" in resp.content.decode()
    assert Organisation.objects.get(pk=org.pk).updated_at == before


@pytest.mark.django_db
def test_valid_edit_is_saved_and_audited(client_a, province):
    org = province["city_a"]
    resp = client_a.post(f"/orgs/{org.pk}/edit/", _org_form(org, uscc="91350100M000100Y43", contact_name="王主任"))
    assert resp.status_code == 302
    entry = AuditEntry.objects.filter(object_id=org.pk, action="orgs.organisation.changed").latest("id")
    assert entry.data["after"]["联系人"] == "王主任"
    assert entry.actor.username == "demo-city-a"


@pytest.mark.django_db
def test_bad_phone_and_oversize_name(client_a, province):
    org = province["city_a"]
    resp = client_a.post(f"/orgs/{org.pk}/edit/", _org_form(org, contact_phone="12345", name="科" * 121))
    html = resp.content.decode()
    assert "电话号码格式不正确" in html
    assert "121" in html  # Django's Chinese max-length message gives the length
    assert Organisation.objects.get(pk=org.pk).name == org.name


def _person_form(org, **overrides):
    data = {"name": "测试戊", "gender": "", "birth_date": "", "ethnicity": "", "email": "", "org": org.pk,
            "employer": "", "employer_name": "", "position": "", "title": "", "title_level": "", "education": "", "bio": "",
            "id_number": "", "phone": "", "expertise_text": "", "honours_text": ""}
    data.update(overrides)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "11010519491231002Y"}, "身份证号码"),
        ({"id_number": "110105194912310021"}, "校验位不正确"),
        ({"phone": "1234"}, "电话号码格式不正确"),
        ({"name": "<script>alert(1)</script>"}, "不允许的字符"),
        ({"expertise_text": "、".join(f"词{i}" for i in range(31))}, "最多填写30个"),
        ({"birth_date": "1990-02-30"}, "有效的日期"),
        ({"email": "not-an-email"}, "合法的邮件地址"),
        ({"gender": "X"}, "选择一个有效的选项"),
        ({"id_number": "11010519491231002X", "birth_date": "1950-01-01"}, "出生日期与身份证号码"),
    ],
)
def test_person_form_rejects(client_a, province, overrides, message):
    count = Person.objects.count()
    resp = client_a.post("/people/new/", _person_form(province["city_a"], **overrides))
    assert resp.status_code == 200
    assert message in resp.content.decode()
    assert Person.objects.count() == count


@pytest.mark.django_db
def test_person_cannot_be_filed_under_another_city(client_a, province):
    count = Person.objects.count()
    resp = client_a.post("/people/new/", _person_form(province["city_b"]))
    assert "找不到" in resp.content.decode()  # the organisation picker: not among the caller's organisations
    assert Person.objects.count() == count


@pytest.mark.django_db
def test_duplicate_id_number_is_refused(client_a, province):
    resp = client_a.post("/people/new/", _person_form(province["city_a"], id_number="11010519491231002X"))
    assert resp.status_code == 302
    resp = client_a.post("/people/new/", _person_form(province["city_a"], name="测试己", id_number="11010519491231002x"))
    assert "已登记在平台中" in resp.content.decode()


@pytest.mark.django_db
def test_script_in_free_text_is_escaped(client_a, province):
    resp = client_a.post("/people/new/", _person_form(province["city_a"], bio="<script>alert(1)</script>"))
    assert resp.status_code == 302
    html = client_a.get(resp["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/people/99999999/", "/orgs/99999999/", "/members/99999999/",
                                 "/api/v1/people/99999999/", "/api/v1/orgs/abc/"])
def test_forged_ids_are_404(client_a, url):
    assert client_a.get(url).status_code == 404


@pytest.mark.django_db
def test_malformed_filters(client_a):
    resp = client_a.get("/people/", {"born_after": "yesterday"})
    assert resp.status_code == 400 and "筛选条件有误" in resp.content.decode()
    assert client_a.get("/people/", {"discipline": "'; drop table"}).status_code == 200
    assert client_a.get("/people/", {"q": "x" * 5000}).status_code == 200
    assert client_a.get("/people/export/", {"born_after": "nope"}).status_code == 400


@pytest.mark.django_db
def test_oversize_post_is_refused(client_a, province):
    resp = client_a.post("/people/new/", _person_form(province["city_a"], bio="长" * 6_000_000))
    assert resp.status_code == 400


@pytest.mark.django_db
def test_unknown_membership_action(client_province, province):
    from kexie.members.models import Membership

    m = Membership.objects.first()
    assert client_province.post(f"/members/{m.pk}/explode/").status_code == 404
