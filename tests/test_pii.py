"""Personal data (SPEC §2.2): masks that cannot be reversed, edit forms that never print full values, full
views only through logged paths, and profile changes only by the scope holding the person's own record."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pytest

from kexie.core.crypto import mask_id_number, mask_phone
from kexie.core.models import PiiAccess
from kexie.core.scope import prefix_q
from kexie.core.validators import id_check_char
from kexie.demo.data import province as demo_province
from kexie.members.models import Membership
from kexie.people import services
from kexie.people.models import Person
from tests.conftest import login

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK = np.array(list("10X98765432"))


def completions(mask: str, birth: str, gender: str, regions: list[str] | None = None) -> np.ndarray:
    """Every 18-character ID number an attacker could still hold for: the visible characters of the mask, the
    birth date and gender shown beside it, the GB 11643 check digit and, when given, a list of real region
    codes. Returns the candidates' first 17 digits as an (n, 17) array, the check digit being determined."""
    fixed = {i: c for i, c in enumerate(mask) if c != "*"}
    for i, c in enumerate(birth):  # positions 7-14 hold the birth date
        fixed.setdefault(6 + i, c)
    free = [i for i in range(17) if i not in fixed]
    grids = np.meshgrid(*[np.arange(10)] * len(free), indexing="ij") if free else []
    n = 10 ** len(free)
    digits = np.zeros((n, 17), dtype=np.int64)
    for i, c in fixed.items():
        if i < 17:
            digits[:, i] = int(c)
    for i, grid in zip(free, grids, strict=True):
        digits[:, i] = grid.ravel()
    keep = (digits[:, 16] % 2 == 1) == (gender == "M")  # the 17th digit's parity is the gender
    if regions is not None:
        region = digits[:, :6] @ (10 ** np.arange(5, -1, -1))
        keep &= np.isin(region, [int(r) for r in regions])
    if 17 in fixed:  # a mask that showed the check digit rules out every candidate whose checksum disagrees
        check = _CHECK[(digits @ _WEIGHTS) % 11]
        keep &= check == fixed[17]
    return digits[keep]


@pytest.mark.django_db
def test_masked_id_numbers_leave_at_least_a_thousand_completions(client_a, province):
    """For a sample of people as city A's API shows them (mask, birth date, gender), enumerate every ID number
    consistent with all of it and the checksum, even knowing which region codes the province has."""
    regions = [code for code, _ in demo_province.CITIES]
    data = client_a.get("/api/v1/people/?page_size=50").json()["results"]
    sample = [p for p in data if p["id_number"]][:8]
    assert len(sample) >= 5
    for row in sample:
        person = Person.objects.get(pk=row["id"])
        mask, birth, gender = row["id_number"], row["birth_date"].replace("-", ""), row["gender"]
        assert mask == mask_id_number(person.id_number)
        assert person.id_number[-4:] not in mask[-4:]  # the sequence code and check digit never show
        known = completions(mask, birth, gender, regions)
        anything = completions(mask, birth, gender)
        truth = [int(c) for c in person.id_number[:17]]
        assert any((known == truth).all(axis=1)), "the enumeration must contain the real number"
        assert len(known) >= 1000, (mask, len(known))
        assert len(anything) >= 1000
        assert id_check_char(person.id_number[:17]) == person.id_number[17]


def test_the_old_mask_was_reversible_and_the_new_one_is_not():
    """The mask that showed the first and last four characters left exactly one completion once the city's
    region codes were known; the rule of decision 0015 leaves thousands."""
    body = "990100" + "19800101" + "123"
    idn = body + id_check_char(body)
    old = idn[:4] + "*" * 10 + idn[-4:]
    assert len(completions(old, "19800101", "M", ["990100", "990200"])) == 1
    assert len(completions(mask_id_number(idn), "19800101", "M", ["990100", "990200"])) == 1000


def test_phone_masks_hide_at_least_six_digits():
    for phone in ("13912345678", "025-83456789", "051283456789"):
        mask = mask_phone(phone)
        assert mask.count("*") >= 6 and len(mask) == len(phone)
    assert mask_phone("1234567") == "*******"


@pytest.mark.django_db
def test_every_list_export_and_api_answer_shows_only_masks(client_province, province):
    people = list(Person.objects.for_user(province["users"]["demo-province"]).exclude(id_number="")[:300])
    secrets = {p.id_number[-6:] for p in people} | {p.phone[-4:] for p in people if p.phone}
    api = client_province.get("/api/v1/people/?page_size=200").content.decode()
    page = client_province.get("/people/").content.decode()
    resp = client_province.get("/people/export/")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    cells = [str(c) for row in wb.active.iter_rows(min_row=2, values_only=True) for c in row[3:5] if c]
    assert cells and all(set(c[3:]) <= {"*"} or c.count("*") >= 6 for c in cells)
    for text in (api, page):
        assert not any(s in text for s in secrets if len(s) == 6)
    assert not PiiAccess.objects.exists()


@pytest.mark.django_db
def test_superuser_export_is_masked_and_full_export_is_logged_per_person(province, django_user_model):
    admin = django_user_model.objects.create_superuser("root-pii", password="Kx-2026-strong-pass")
    client = login("root-pii")
    resp = client.get("/people/export/", {"q": ""})
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    ids = [row[3] for row in wb.active.iter_rows(min_row=2, values_only=True) if row[3]]
    assert ids and all(i[2:] == "*" * 16 for i in ids)
    assert not PiiAccess.objects.filter(user=admin).exists()

    confirm = client.get("/people/export/", {"pii": "full"})
    assert confirm.status_code == 200 and "记入个人信息查看日志" in confirm.content.decode()
    assert not PiiAccess.objects.filter(user=admin).exists()
    resp = client.get("/people/export/", {"pii": "full", "confirmed": "1"})
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    rows = list(wb.active.iter_rows(min_row=2, values_only=True))
    full = [r[3] for r in rows if r[3]]
    assert full and all("*" not in i for i in full)
    logged = PiiAccess.objects.filter(user=admin, field="id_number").count()
    assert logged == len(full)


@pytest.mark.django_db
def test_full_export_needs_the_pii_role(province):
    client = login("demo-society")  # role "staff": no 查看完整个人信息
    resp = client.get("/people/export/", {"pii": "full", "confirmed": "1"})
    assert resp.status_code == 403
    assert "导出（含完整个人信息）" not in client.get("/people/").content.decode()
    assert "导出（含完整个人信息）" in login("demo-province").get("/people/").content.decode()


@pytest.mark.django_db
def test_own_data_export_is_logged(province):
    user = province["users"]["demo-scientist"]
    person = Person.objects.get(user=user)
    resp = login("demo-scientist").get("/me/export/")
    assert resp.status_code == 200
    fields = set(PiiAccess.objects.filter(user=user, object_id=person.pk).values_list("field", flat=True))
    assert fields == {f for f in ("id_number", "phone") if getattr(person, f)}


def _form_data(person: Person, **overrides) -> dict:
    data = {"name": person.name, "gender": person.gender, "birth_date": person.birth_date or "",
            "ethnicity": person.ethnicity, "email": person.email, "org": person.org_id, "employer": "",
            "employer_name": person.employer_name, "position": person.position, "title": person.title,
            "title_level": person.title_level, "education": person.education, "bio": person.bio,
            "id_number": "", "phone": "", "expertise_text": "、".join(person.expertise), "honours_text": ""}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_edit_form_shows_masks_keeps_blank_values_and_replaces_typed_ones(client_a, province):
    user = province["users"]["demo-city-a"]
    body = "990100" + "19800101" + "321"
    idn = body + id_check_char(body)
    person = services.create_person(user, {"name": "测试庚", "org": province["city_a"], "id_number": idn,
                                           "phone": "13912345678"})
    html = client_a.get(f"/people/{person.pk}/edit/").content.decode()
    assert idn not in html and "13912345678" not in html
    assert mask_id_number(idn) in html and "139******78" in html

    resp = client_a.post(f"/people/{person.pk}/edit/", _form_data(person, position="研究员"))
    assert resp.status_code == 302
    person.refresh_from_db()
    assert person.id_number == idn and person.phone == "13912345678" and person.position == "研究员"

    resp = client_a.post(f"/people/{person.pk}/edit/", _form_data(person, phone="13800002222"))
    person.refresh_from_db()
    assert resp.status_code == 302 and person.phone == "13800002222" and person.id_number == idn

    resp = client_a.post(f"/people/{person.pk}/edit/", _form_data(person, clear_phone="on"))
    person.refresh_from_db()
    assert resp.status_code == 302 and person.phone == "" and person.id_number == idn
    assert not PiiAccess.objects.filter(object_id=person.pk).exists()


def _cross_city_member(province) -> Person:
    """A member of the demo society whose own record is held outside the society's subtree."""
    society = province["society"]
    member = (Person.objects.alive().filter(memberships__society=society)
              .exclude(prefix_q("org_path", [society.path])).order_by("pk").first())
    assert member is not None
    return member


@pytest.mark.django_db
def test_a_society_cannot_change_a_member_held_by_another_organisation(province):
    """The hole: a society opened a member's edit page, renamed the person and moved them into the society;
    the city holding the record then got 404 on its own person."""
    society = province["society"]
    member = _cross_city_member(province)
    before = (member.name, member.org_id, member.org_path)
    client = login("demo-society")
    assert client.get(f"/people/{member.pk}/").status_code == 200  # the society sees its member
    resp = client.get(f"/people/{member.pk}/edit/")
    assert resp.status_code == 403 and "学会只能修改本会的会员记录" in resp.content.decode()
    resp = client.post(f"/people/{member.pk}/edit/", _form_data(member, name="被改名", org=society.pk))
    assert resp.status_code == 403
    for action in ("delete", "restore"):
        assert client.post(f"/people/{member.pk}/{action}/").status_code == 403
    member.refresh_from_db()
    assert (member.name, member.org_id, member.org_path) == before and member.deleted_at is None
    assert "编辑" not in client.get(f"/people/{member.pk}/").content.decode().split("<h2", 1)[-1].split("</h2>")[0]

    with pytest.raises(services.PermissionDenied):
        services.update_person(province["users"]["demo-society"], member, {"name": "被改名", "org": society})
    # The society still changes its own membership record.
    m = Membership.objects.filter(person=member, society=society).first()
    assert login("demo-society").get(f"/members/{m.pk}/").status_code == 200


@pytest.mark.django_db
def test_merges_need_change_scope_over_both_own_organisations(province):
    from kexie.identity import services as identity

    society_user = province["users"]["demo-society"]
    society = province["society"]
    members = list(Person.objects.alive().filter(memberships__society=society)
                   .exclude(prefix_q("org_path", [society.path])).order_by("pk")[:2])
    assert len(members) == 2
    assert Person.objects.for_user(society_user, "change").filter(pk__in=[m.pk for m in members]).count() == 2
    with pytest.raises(identity.PermissionDenied):
        identity.merge(society_user, members[0], members[1])
    for m in members:
        m.refresh_from_db()
        assert m.deleted_at is None and m.merged_into_id is None
