"""我的 (decision 0029): the personal desk at "/", the sections of /me/, editing one's own profile at once, verified
fields as a change request decided by the organisation holding the record, and the person's own export."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from kexie.accounts.models import User
from kexie.core.crypto import mask_phone
from kexie.core.models import AuditEntry, PiiAccess
from kexie.core.scope import prefix_q
from kexie.home import services
from kexie.home.models import ChangeStatus, ProfileChange
from kexie.notices.models import Notification
from kexie.people.models import Discipline, Person
from tests.conftest import login

_seq = itertools.count(1)


def _person_in(org, *, name="张晓明") -> Person:
    user = User.objects.create(username=f"home-user-{next(_seq)}")
    return Person.objects.create(name=name, org=org, org_path=org.path, user=user, birth_date=dt.date(1988, 3, 4),
                                 gender="M", employer_name="甲市第一医院", phone="13812345678")


def _client(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def person_a(province):
    return _person_in(province["city_a"])


# ---- "/" ----------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_anonymous_visitor_at_home_goes_to_the_portal_or_the_sign_in_page(client, province):
    from django.urls import NoReverseMatch, reverse

    try:
        expected = reverse("portal:home")
    except NoReverseMatch:
        expected = reverse("login")
    resp = client.get("/")
    assert resp.status_code == 302 and resp["Location"].split("?")[0] == expected


@pytest.mark.django_db
def test_an_individual_gets_the_personal_desk_and_staff_keep_their_home(province):
    html = login("demo-scientist").get("/").content.decode()
    assert 'id="desk"' in html and 'id="step-join"' in html and 'id="step-review"' in html
    assert "我可管理的组织" not in html
    staff = login("demo-city-a").get("/").content.decode()
    assert 'id="desk"' not in staff and "我可管理的组织" in staff


@pytest.mark.django_db
def test_the_desk_counts_reviews_waiting(province):
    from tests.test_calls import make_call

    person = Person.objects.get(user__username="demo-scientist")
    from kexie.calls.models import Application, ReviewAssignment

    call = make_call(province)
    applicant = Person.objects.exclude(pk=person.pk).filter(user__isnull=True).first()
    app = Application.objects.create(call=call, applicant_person=applicant, org_path=applicant.org_path, title="储能")
    ReviewAssignment.objects.create(call=call, application=app, expert=person, org_path=call.org_path)
    html = login("demo-scientist").get("/").content.decode()
    step = html[html.index('id="step-review"'):]
    step = step[:step.index("</article>")]
    assert '<span class="badge">1</span>' in step and "/calls/reviews/" in step


@pytest.mark.django_db
def test_an_account_without_a_profile_is_shown_the_way_to_verification(province):
    user = User.objects.create(username="home-no-profile")
    html = _client(user).get("/me/").content.decode()
    assert 'id="verify-next"' in html and "实名认证" in html
    assert 'id="verify-next"' not in login("demo-city-a").get("/me/").content.decode()


# ---- /me/ ---------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_my_page_shows_every_section_with_masks_only(person_a):
    html = _client(person_a.user).get("/me/").content.decode()
    for section in ("profile", "memberships", "applications", "reviews", "projects", "recommended", "notices",
                    "privacy"):
        assert f'<section id="{section}">' in html, section
    assert "13812345678" not in html and person_a.phone_masked in html
    assert 'href="/me/edit/"' in html and 'href="/notices/settings/"' in html and 'href="/me/export/"' in html


@pytest.mark.django_db
def test_my_page_lists_memberships_with_number_and_dues(province):
    html = login("demo-scientist").get("/me/").content.decode()
    person = Person.objects.get(user__username="demo-scientist")
    m = person.memberships.select_related("society").first()
    section = html[html.index('<section id="memberships">'):html.index('<section id="applications">')]
    assert m.society.name in section and (m.number or "—") in section


# ---- editing --------------------------------------------------------------------------------------------------------
def _own_post(person, **extra):
    data = {"part": "own", "email": "zhang@example.cn", "position": "主任", "title": "主任医师", "title_level": "",
            "education": "", "discipline_1": "", "discipline_2": "", "discipline_3": "",
            "expertise": "心血管，介入治疗", "bio": "长期从事心血管介入治疗。", "honours": "省青年科技奖"}
    data.update(extra)
    return data


@pytest.mark.django_db
def test_own_fields_apply_at_once_and_are_audited(person_a):
    discipline = Discipline.objects.filter(parent__isnull=False).first()
    client = _client(person_a.user)
    resp = client.post("/me/edit/", _own_post(person_a, discipline_1=f"{discipline.code} {discipline.name}"))
    assert resp.status_code == 302
    person_a.refresh_from_db()
    assert person_a.bio == "长期从事心血管介入治疗。" and person_a.expertise == ["心血管", "介入治疗"]
    assert list(person_a.disciplines.all()) == [discipline]
    entry = AuditEntry.objects.get(action="home.profile.changed", object_id=person_a.pk)
    assert entry.actor == person_a.user and "长期从事心血管介入治疗。" in str(entry.data["after"])
    assert not ProfileChange.objects.filter(person=person_a).exists()


@pytest.mark.django_db
def test_bad_input_gets_a_chinese_message_and_changes_nothing(person_a):
    client = _client(person_a.user)
    html = client.post("/me/edit/", _own_post(person_a, bio="长" * 5001, discipline_1="不存在的学科")).content.decode()
    assert "不存在的学科" in html and "请从列表中选择" in html
    assert "5000" in html  # Django's Chinese "确保该值不超过 5000 个字符"
    person_a.refresh_from_db()
    assert person_a.bio == ""
    html = client.post("/me/edit/", {"part": "verified", "name": person_a.name, "org": person_a.org.name,
                                     "birth_date": (dt.date.today() + dt.timedelta(days=3)).isoformat()}
                       ).content.decode()
    assert "出生日期不能晚于今天。" in html
    assert not ProfileChange.objects.filter(person=person_a).exists()


@pytest.mark.django_db
def test_verified_fields_become_a_request_not_a_change(person_a):
    client = _client(person_a.user)
    resp = client.post("/me/edit/", {"part": "verified", "name": "张晓明明", "gender": "M", "birth_date": "1988-03-04",
                                     "org": person_a.org.name, "employer_name": "甲市第一医院",
                                     "phone": "13900001111", "note": "户籍更名"})
    assert resp.status_code == 302
    person_a.refresh_from_db()
    assert person_a.name == "张晓明" and person_a.phone == "13812345678"  # nothing applied yet
    change = ProfileChange.objects.get(person=person_a)
    assert change.status == ChangeStatus.PENDING and change.changes == {"name": "张晓明明"}
    assert change.field_labels() == ["姓名", "手机号"]
    assert "13900001111" not in str(change.before) + str(change.changes)  # the new phone only encrypted
    assert AuditEntry.objects.filter(action="home.change.requested", object_id=change.pk).exists()
    html = client.get("/me/").content.decode()
    assert 'id="pending-change"' in html
    # one pending request at a time
    with pytest.raises(ValidationError):
        services.request_change(person_a.user, person_a, {"name": "又一次"})


@pytest.mark.django_db
def test_only_the_person_changes_their_own_profile(person_a, province):
    other = _person_in(province["city_a"], name="李四")
    with pytest.raises(PermissionDenied):
        services.update_own_profile(other.user, person_a, {"bio": "不是我的"})
    with pytest.raises(ValidationError):
        services.update_own_profile(person_a.user, person_a, {"name": "直接改名"})


# ---- deciding -------------------------------------------------------------------------------------------------------
@pytest.fixture
def pending(person_a):
    return services.request_change(person_a.user, person_a, {"name": "张晓明明", "phone": "13900001111"}, "更名")


@pytest.mark.django_db
def test_city_a_approves_and_the_person_is_told(pending, person_a, province):
    client = login("demo-city-a")
    listing = client.get("/profile-changes/").content.decode()
    assert f'href="/profile-changes/{pending.pk}/"' in listing
    page = client.get(f"/profile-changes/{pending.pk}/").content.decode()
    assert "张晓明明" in page and "13900001111" not in page and mask_phone("13900001111") in page  # masked
    resp = client.post(f"/profile-changes/{pending.pk}/", {"decision": "approve"})
    assert resp.status_code == 302
    person_a.refresh_from_db()
    pending.refresh_from_db()
    assert person_a.name == "张晓明明" and person_a.phone == "13900001111"
    assert pending.status == ChangeStatus.APPROVED and pending.decided_by == province["users"]["demo-city-a"]
    assert AuditEntry.objects.filter(action="home.change.approved", object_id=pending.pk).exists()
    assert AuditEntry.objects.filter(action="people.person.changed", object_id=person_a.pk).exists()
    notice = Notification.objects.get(user=person_a.user)
    assert notice.title == "资料变更已通过：姓名、手机号" and notice.key.startswith("home.")


@pytest.mark.django_db
def test_rejecting_needs_a_reason_and_tells_the_person(pending, person_a):
    client = login("demo-city-a")
    html = client.post(f"/profile-changes/{pending.pk}/", {"decision": "reject", "reason": ""}).content.decode()
    assert "驳回时请填写理由。" in html
    pending.refresh_from_db()
    assert pending.status == ChangeStatus.PENDING
    client.post(f"/profile-changes/{pending.pk}/", {"decision": "reject", "reason": "与身份证信息不一致"})
    pending.refresh_from_db()
    person_a.refresh_from_db()
    assert pending.status == ChangeStatus.REJECTED and person_a.name == "张晓明"
    notice = Notification.objects.get(user=person_a.user)
    assert notice.title == "资料变更被驳回：姓名、手机号" and "与身份证信息不一致" in notice.body
    # decided: no more buttons, and the service refuses again
    assert 'id="approve"' not in client.get(f"/profile-changes/{pending.pk}/").content.decode()
    with pytest.raises(ValidationError):
        services.approve_change(User.objects.get(username="demo-city-a"), pending)


@pytest.mark.django_db
def test_city_b_cannot_see_or_decide_a_city_a_persons_change(pending, person_a, province):
    client = login("demo-city-b")
    assert f"/profile-changes/{pending.pk}/" not in client.get("/profile-changes/").content.decode()
    assert client.get(f"/profile-changes/{pending.pk}/").status_code == 404
    assert client.post(f"/profile-changes/{pending.pk}/", {"decision": "approve"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.approve_change(province["users"]["demo-city-b"], pending)
    with pytest.raises(PermissionDenied):
        services.reject_change(province["users"]["demo-city-b"], pending, "不行")
    pending.refresh_from_db()
    person_a.refresh_from_db()
    assert pending.status == ChangeStatus.PENDING and person_a.name == "张晓明"
    # an individual has no such page at all
    assert login("demo-scientist").get("/profile-changes/").status_code == 403


@pytest.mark.django_db
def test_the_scope_follows_the_persons_current_organisation(pending, person_a, province):
    """Moved to city B after asking: city B decides now, city A no longer can."""
    b_org = province["city_b"]
    Person.objects.filter(pk=person_a.pk).update(org=b_org, org_path=b_org.path)
    assert login("demo-city-a").get(f"/profile-changes/{pending.pk}/").status_code == 404
    assert login("demo-city-b").get(f"/profile-changes/{pending.pk}/").status_code == 200


@pytest.mark.django_db
def test_the_person_withdraws_a_pending_request(pending, person_a):
    client = _client(person_a.user)
    assert 'data-confirm=' in client.get("/me/edit/").content.decode()
    assert client.post(f"/me/changes/{pending.pk}/withdraw/").status_code == 302
    pending.refresh_from_db()
    assert pending.status == ChangeStatus.WITHDRAWN
    stranger = _person_in(person_a.org, name="王五")
    again = services.request_change(person_a.user, person_a, {"name": "再次申请"})
    assert _client(stranger.user).post(f"/me/changes/{again.pk}/withdraw/").status_code == 404


# ---- export ---------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_export_holds_applications_projects_reviews_and_is_logged(province):
    from kexie.calls.models import Application, Project, ReviewAssignment
    from tests.test_calls import make_call

    person = Person.objects.get(user__username="demo-scientist")
    call = make_call(province)
    app = Application.objects.create(call=call, applicant_person=person, org_path=person.org_path,
                                     title="新型储能材料研究")
    Project.objects.create(call=call, application=app, code="home-001", title="储能课题", org_path=app.org_path,
                           starts=dt.date.today(), ends=dt.date.today() + dt.timedelta(days=365))
    other = Person.objects.filter(prefix_q("org_path", [province["city_a"].path]), user__isnull=True).first()
    theirs = Application.objects.create(call=call, applicant_person=other, org_path=other.org_path, title="评审对象")
    ReviewAssignment.objects.create(call=call, application=theirs, expert=person, org_path=call.org_path)
    before = PiiAccess.objects.count()
    resp = login("demo-scientist").get("/me/export/")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content)).active
    cells = {(r[0], r[1]) for r in sheet.iter_rows(values_only=True)}
    kinds = {k for k, _v in cells}
    assert {"申报", "立项课题", "评审任务"} <= kinds
    assert any("新型储能材料研究" in str(v) for k, v in cells if k == "申报")
    assert any("评审对象" in str(v) for k, v in cells if k == "评审任务")
    ct = ContentType.objects.get_for_model(Person)
    assert PiiAccess.objects.count() > before
    assert PiiAccess.objects.filter(content_type=ct, object_id=person.pk,
                                    user__username="demo-scientist").exists()
