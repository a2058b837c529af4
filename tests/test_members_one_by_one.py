"""Members one at a time (issue 15 item 6, decision 0044): a society adds a member from the web (registry first,
a new person only when absent), changes a category, records dues, and sees pending applications in its list."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kexie.core.crypto import blind_index
from kexie.core.models import AuditEntry
from kexie.core.scope import prefix_q
from kexie.core.validators import id_check_char
from kexie.members import services
from kexie.members.models import Category, EventKind, Membership, Status
from kexie.members.models_joining import DuesPayment, MembershipApplication
from kexie.orgs.models import Organisation
from kexie.people.models import Person
from tests.conftest import login

ADD = "/members/add/"


def _id_number(seq: int) -> str:
    first17 = f"11010119900101{seq:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def setup(province):
    return {"user": province["users"]["demo-society"], "society": province["society"],
            "client": login("demo-society")}


def _outsider(society):
    """A person with an ID number, registered outside the society and not its member."""
    return (Person.objects.filter(deleted_at__isnull=True).exclude(id_hash="")
            .exclude(prefix_q("org_path", [society.path])).exclude(memberships__society=society)
            .exclude(pk__in=MembershipApplication.objects.filter(society=society).values("person_id"))
            .order_by("id").first())


def _find(client, society, **criteria):
    return client.post(ADD, {"step": "find", "society": society.pk, "name": "", "id_number": "", "phone": "",
                             **criteria})


@pytest.mark.django_db
def test_add_an_existing_registry_person_found_by_id_number(setup):
    client, society = setup["client"], setup["society"]
    person = _outsider(society)
    people = Person.objects.count()
    page = _find(client, society, id_number=person.id_number).content.decode()
    assert f'id="match-{person.pk}"' in page
    assert person.id_number not in page.replace(f'value="{person.id_number}"', "")  # only masks are shown
    assert person.id_number_masked in page
    resp = client.post(ADD, {"step": "add", "society": society.pk, "name": "", "id_number": person.id_number,
                             "phone": "", "person": person.pk, "category": "senior",
                             "joined_on": timezone.localdate().isoformat()})
    assert resp.status_code == 302
    m = Membership.objects.get(person=person, society=society)
    assert resp.url == reverse("members:detail", args=[m.pk])
    assert Person.objects.count() == people  # no duplicate person
    assert m.category == Category.SENIOR and m.number and m.status == Status.NEW
    assert m.dues_paid_through == dt.date(timezone.localdate().year, 12, 31)
    assert list(m.events.values_list("kind", flat=True)) == [EventKind.APPROVED]
    assert AuditEntry.objects.filter(action="members.membership.added", object_id=m.pk).exists()
    # the next one gets the next number of the same sequence
    other = (Person.objects.exclude(memberships__society=society).exclude(pk=person.pk)
             .exclude(pk__in=MembershipApplication.objects.filter(society=society).values("person_id")).first())
    m2 = services.add_member(setup["user"], society, category="member", joined_on=timezone.localdate(),
                             person=other)
    assert m2.number != m.number and m2.number.rsplit("-", 1)[0] == m.number.rsplit("-", 1)[0]


@pytest.mark.django_db
def test_a_name_search_lists_only_people_in_scope(setup, province):
    client, society = setup["client"], setup["society"]
    b_person = Person.objects.filter(prefix_q("org_path", [province["city_b"].path])).exclude(
        memberships__society__path__startswith=society.path).first()
    page = _find(client, society, name=b_person.name).content.decode()
    assert f'id="match-{b_person.pk}"' not in page
    # picking a person the search did not return is refused
    resp = client.post(ADD, {"step": "add", "society": society.pk, "name": b_person.name, "id_number": "",
                             "phone": "", "person": b_person.pk, "category": "member",
                             "joined_on": timezone.localdate().isoformat()})
    assert resp.status_code == 400 and "不在查找结果中" in resp.content.decode()
    assert not Membership.objects.filter(person=b_person, society=society).exists()


@pytest.mark.django_db
def test_add_a_new_person_when_absent(setup):
    client, society = setup["client"], setup["society"]
    number = next(n for n in (_id_number(i) for i in range(1, 500))
                  if not Person.objects.filter(id_hash=blind_index(n)).exists())
    page = _find(client, society, name="测试新会员", id_number=number).content.decode()
    assert 'id="no-match"' in page
    people = Person.objects.count()
    bad = client.post(ADD, {"step": "add", "society": society.pk, "name": "测试新会员", "id_number": number,
                            "phone": "", "new_name": "测试新会员", "new_id_number": number[:17] + "0"
                            if number[17] != "0" else number[:17] + "1", "new_phone": "", "new_employer": "",
                            "category": "member", "joined_on": timezone.localdate().isoformat()})
    assert bad.status_code == 400 and "校验位" in bad.content.decode()
    assert Person.objects.count() == people
    resp = client.post(ADD, {"step": "add", "society": society.pk, "name": "测试新会员", "id_number": number,
                             "phone": "", "new_name": "测试新会员", "new_id_number": number, "new_phone": "",
                             "new_employer": "省农业科学院", "category": "student",
                             "joined_on": timezone.localdate().isoformat()})
    assert resp.status_code == 302
    person = Person.objects.get(name="测试新会员")
    assert Person.objects.count() == people + 1
    assert person.org_id == society.pk and person.birth_date == dt.date(1990, 1, 1)
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM people_person WHERE id = %s", [person.pk])
        stored = cur.fetchone()[0]
    assert stored != number and number not in stored  # encrypted like every registry write
    assert Membership.objects.get(person=person, society=society).category == Category.STUDENT
    # the same ID number again: found, not created twice
    page = _find(client, society, id_number=number).content.decode()
    assert f'id="match-{person.pk}"' in page and "已是本会会员" in page
    with pytest.raises(ValidationError, match="已登记在平台中"):
        services.add_member(setup["user"], society, category="member", joined_on=timezone.localdate(),
                            new_person=services.NewPerson("另一人", number))


@pytest.mark.django_db
def test_a_second_membership_is_refused_with_a_link(setup):
    client, society = setup["client"], setup["society"]
    m = Membership.objects.filter(society=society, deleted_at__isnull=True).exclude(status__in=services.ENDED).first()
    count = Membership.objects.count()
    resp = client.post(ADD, {"step": "add", "society": society.pk, "name": m.person.name, "id_number": "",
                             "phone": "", "person": m.person_id, "category": "member",
                             "joined_on": timezone.localdate().isoformat()})
    page = resp.content.decode()
    assert resp.status_code == 400 and "不能重复添加" in page
    assert reverse("members:detail", args=[m.pk]) in page and 'id="duplicate-link"' in page
    assert Membership.objects.count() == count
    # an open application: handled in the review, not by adding
    person = _outsider(society)
    now = timezone.now()
    app = MembershipApplication.objects.create(person=person, society=society, org_path=society.path,
                                               statement="申请", submitted_at=now, due_at=now + dt.timedelta(days=9))
    with pytest.raises(services.AlreadyMember) as exc:
        services.add_member(setup["user"], society, category="member", joined_on=timezone.localdate(), person=person)
    assert exc.value.url == reverse("members:application", args=[app.pk])


@pytest.mark.django_db
def test_city_a_staff_cannot_add_to_a_city_b_society(province):
    b = province["city_b"]
    kind_q = Organisation.objects.filter(prefix_q("path", [b.path]), kind__code__in=("society", "agri_assoc",
                                                                                     "society_branch"))
    society_b = kind_q.first()
    if society_b is None:
        from kexie.orgs.models import OrgKind

        society_b = Organisation.objects.add_child(b, {"name": "B市测试学会", "code": "ONE-BY-ONE-B",
                                                       "kind": OrgKind.objects.get(code="agri_assoc"),
                                                       "level": b.level})
    user_a = province["users"]["demo-city-a"]
    person = Person.objects.filter(prefix_q("org_path", [province["city_a"].path])).first()
    with pytest.raises(PermissionDenied):
        services.add_member(user_a, society_b, category="member", joined_on=timezone.localdate(), person=person)
    resp = login("demo-city-a").post(ADD, {"step": "add", "society": society_b.pk, "name": person.name,
                                           "id_number": "", "phone": "", "person": person.pk,
                                           "category": "member", "joined_on": timezone.localdate().isoformat()})
    assert resp.status_code in (400, 403)
    assert not Membership.objects.filter(society=society_b, person=person).exists()


@pytest.mark.django_db
def test_change_category_writes_history(setup):
    client, society = setup["client"], setup["society"]
    m = Membership.objects.filter(society=society, category="member", status__in=["current", "new", "grace"]).first()
    resp = client.post(reverse("members:act", args=[m.pk, "category"]),
                       {"category-category": "senior", "category-on": timezone.localdate().isoformat(),
                        "category-note": "评审通过"})
    assert resp.status_code == 302
    m.refresh_from_db()
    event = m.events.order_by("-id").first()
    assert m.category == "senior" and event.kind == EventKind.CATEGORY and event.category == "senior"
    assert "会员" in event.note and "评审通过" in event.note
    assert AuditEntry.objects.filter(action="members.membership.category_changed", object_id=m.pk).exists()
    page = client.get(reverse("members:detail", args=[m.pk])).content.decode()
    assert "评审通过" in page and 'id="category-form"' in page
    with pytest.raises(ValidationError, match="不能超过 150 个字"):
        services.change_category(setup["user"], m, "fellow", timezone.localdate(), "很" * 151)
    m.refresh_from_db()
    assert m.category == "senior"  # refused whole, nothing cut or changed


@pytest.mark.django_db
def test_record_dues_extends_the_paid_period(setup):
    client, society = setup["client"], setup["society"]
    m = Membership.objects.filter(society=society, status__in=["current", "new", "grace", "expired"]).first()
    year = max(timezone.localdate().year, (m.dues_paid_through or timezone.localdate()).year) + 1
    url = reverse("members:act", args=[m.pk, "dues"])
    fields = {"dues-period": str(year), "dues-amount": "150", "dues-method": "cash",
              "dues-paid_on": timezone.localdate().isoformat(), "dues-receipt_number": "ONE-R-1"}
    assert client.post(url, {**fields, "dues-method": "online"}).status_code == 302  # refused by the form
    assert not DuesPayment.objects.filter(membership=m).filter(receipt_number="ONE-R-1").exists()
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.record_dues(setup["user"], m, period=year, amount=1, method="cash",
                             paid_on=dt.date.fromisoformat(future), receipt_number="ONE-R-F")
    resp = client.post(url, fields)
    assert resp.status_code == 302
    m.refresh_from_db()
    assert m.dues_paid_through == dt.date(year, 12, 31)
    p = DuesPayment.objects.get(membership=m, receipt_number="ONE-R-1")
    assert p.method == "cash" and p.paid_on == timezone.localdate() and p.get_method_display() == "现金"
    assert m.events.order_by("-id").first().kind == EventKind.DUES
    page = client.get(reverse("members:detail", args=[m.pk])).content.decode()
    assert "ONE-R-1" in page and "现金" in page
    # the same receipt again: refused, the period unchanged
    client.post(url, {**fields, "dues-period": str(year + 1)})
    m.refresh_from_db()
    assert m.dues_paid_through == dt.date(year, 12, 31)


@pytest.mark.django_db
def test_the_list_shows_pending_applications(setup):
    client, society = setup["client"], setup["society"]
    person = _outsider(society)
    now = timezone.now()
    app = MembershipApplication.objects.create(person=person, society=society, org_path=society.path,
                                               statement="申请", submitted_at=now, due_at=now + dt.timedelta(days=9))
    waiting = MembershipApplication.objects.filter(society__path__startswith=society.path, status="submitted").count()
    page = client.get(reverse("members:list")).content.decode()
    assert 'id="add-member"' in page and 'id="tab-pending-people"' in page
    tab = page.split('id="tab-pending-people"')[1].split("</a>")[0]
    assert f'<span class="badge">{waiting}</span>' in tab
    pending = client.get(reverse("members:list") + "?tab=people").content.decode()
    assert reverse("members:application", args=[app.pk]) in pending and person.name in pending
    assert client.get(reverse("members:list") + "?tab=groups").status_code == 200


@pytest.mark.django_db
def test_buttons_only_when_allowed(province):
    page = login("demo-scientist").get(reverse("members:list")).content.decode()
    assert 'id="add-member"' not in page
    assert login("demo-scientist").get(ADD).status_code == 403


@pytest.mark.django_db
def test_reasons_are_refused_not_cut(setup):
    m = Membership.objects.filter(society=setup["society"], status__in=["current", "new"]).first()
    with pytest.raises(ValidationError, match="不能超过 200 个字"):
        services.end(setup["user"], m, Status.WITHDRAWN, timezone.localdate(), "因" * 201)
    m.refresh_from_db()
    assert m.status in ("current", "new")


@pytest.mark.django_db
@pytest.mark.parametrize("data", [
    {"step": "add", "society": "abc", "person": "x", "joined_on": "2026-13-40", "category": "nope"},
    {"step": "add", "society": "99999999999999999999", "name": "<script>", "id_number": "1" * 30},
    {"step": "choose", "person": "-1"},
    {"step": "find", "phone": "12", "id_number": "11010119900101000X"},
    {"step": "zzz"},
    {"step": "add", "person": "1", "category": "member", "joined_on": "1900-01-01", "name": "张",
     "id_number": "", "phone": ""},
    {"step": "new", "name": "张" * 80},
])
def test_no_server_error_on_malformed_input(setup, data):
    client = setup["client"]
    data = {k: (setup["society"].pk if v == "SOC" else v) for k, v in data.items()}
    resp = client.post(ADD, data)
    assert resp.status_code in (200, 400)
    assert client.get(ADD + "?society=abc&tab=%00").status_code in (200, 400)
    assert client.get(reverse("members:list") + "?tab=<x>").status_code == 200
