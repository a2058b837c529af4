"""No silent cuts (decision 0048): text a person typed is kept whole or refused with a Chinese message naming the
field and its limit — never stored in part. Over-long input changes nothing; the forms carry the same limits."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kexie.accounts.models import User
from kexie.core.services import SYSTEM
from kexie.home import forms as home_forms
from kexie.home import services as home
from kexie.home.models import ChangeStatus, ProfileChange
from kexie.imports.cells import _keywords
from kexie.imports.spec import Column
from kexie.members.joining import forms as join_forms
from kexie.members.joining import group_services as gsvc
from kexie.members.joining import services as svc
from kexie.members.models import ENDED, Membership
from kexie.members.models_joining import ApplicationEvent, DuesPayment, JoinSettings, MembershipApplication
from kexie.orgs.founding import services as founding
from kexie.people.fields import split_keywords
from kexie.people.models import Person
from kexie.signup import forms as signup_forms
from kexie.signup import services as signup
from kexie.signup.models import ClaimRequest, ClaimStatus
from tests.conftest import login

_seq = itertools.count(1)
LONG_REASON = "理" * 501


def _open(society, **over) -> JoinSettings:
    data = {"is_open": True, "categories": ["member"], "referees_required": 0, "decision_days": 15, "dues": {},
            "intro": "欢迎加入", "number_prefix": ""}
    data.update(over)
    return svc.save_settings(SYSTEM, society, data)


def _joiner(society) -> tuple[User, Person]:
    busy = Membership.objects.filter(society=society, deleted_at__isnull=True).exclude(status__in=ENDED)
    person = (Person.objects.filter(user__isnull=True, deleted_at__isnull=True)
              .exclude(pk__in=busy.values("person_id")).exclude(join_applications__society=society)
              .order_by("-id").first())
    user = User.objects.create(username=f"cuts-joiner-{next(_seq)}")
    Person.objects.filter(pk=person.pk).update(user=user)
    person.refresh_from_db()
    return user, person


@pytest.fixture
def application(province):
    society = province["society"]
    _open(society)
    user, _person = _joiner(society)
    app = svc.apply(user, society, category="member", statement="从事化学研究十年，希望入会。")
    return {"app": app, "user": user, "staff": province["users"]["demo-society"], "society": society}


# ---- the decider's reason -------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("step", ["return_", "reject"])
def test_an_over_long_reason_is_refused_not_cut_and_the_application_stays_waiting(application, step):
    app = application["app"]
    events = ApplicationEvent.objects.filter(application=app).count()
    with pytest.raises(ValidationError, match="理由不能超过 500 字"):
        getattr(svc, step)(application["staff"], app, LONG_REASON)
    app.refresh_from_db()
    assert app.status == "submitted" and app.reason == "" and app.decided_at is None
    assert ApplicationEvent.objects.filter(application=app).count() == events
    # exactly at the limit it is kept whole
    svc.reject(application["staff"], app, "理" * 500)
    app.refresh_from_db()
    assert app.status == "rejected" and app.reason == "理" * 500


@pytest.mark.django_db
def test_the_decision_page_says_the_reason_is_too_long_and_changes_nothing(application):
    app = application["app"]
    client = login("demo-society")
    page = reverse("members:application", args=[app.pk])
    assert 'maxlength="500"' in client.get(page).content.decode()
    resp = client.post(reverse("members:application-act", args=[app.pk]), {"action": "reject", "reason": LONG_REASON},
                       follow=True)
    assert "理由不能超过 500 字" in resp.content.decode()
    assert MembershipApplication.objects.get(pk=app.pk).status == "submitted"


@pytest.mark.django_db
def test_a_unit_application_and_a_formation_request_refuse_an_over_long_reason_alike(province):
    from tests.test_founding import applicant as founder
    from tests.test_founding import data as formation_data
    from tests.test_joining_group import account, code
    from tests.test_joining_group import unit as unit_input

    society = province["society"]
    _open(society, accepts_groups=True)
    unit = gsvc.apply_group(account(), society, unit_input(code()))
    with pytest.raises(ValidationError, match="理由不能超过 500 字"):
        gsvc.return_group(province["users"]["demo-society"], unit, LONG_REASON)
    unit.refresh_from_db()
    assert unit.status == "submitted" and unit.reason == ""

    req = founding.submit(founder(), formation_data(province["city_a"]))
    with pytest.raises(ValidationError, match="理由不能超过 500 字"):
        founding.reject(province["users"]["demo-city-a"], req, LONG_REASON)
    req.refresh_from_db()
    assert req.status == "submitted" and req.reason == ""


# ---- the applicant's and the society's own text ----------------------------------------------------------------
@pytest.mark.django_db
def test_an_over_long_referee_is_refused_naming_the_field_and_no_application_is_made(province):
    society = province["society"]
    _open(society, referees_required=1)
    user, person = _joiner(society)
    referee = svc.RefereeInput("王" * 41, "甲市第一医院", "13812345678")
    with pytest.raises(ValidationError, match="推荐人姓名不能超过 40 个字"):
        svc.apply(user, society, category="member", statement="希望入会。", referees=[referee])
    assert not MembershipApplication.objects.filter(person=person, society=society).exists()
    assert join_forms.RefereeForm.base_fields["name"].max_length == 40


@pytest.mark.django_db
def test_over_long_join_settings_are_refused_and_the_old_ones_stay(province):
    society = province["society"]
    _open(society, intro="原来的入会须知")
    with pytest.raises(ValidationError, match="入会须知不能超过 2000 个字"):
        _open(society, intro="须" * 2001)
    with pytest.raises(ValidationError, match="会员号前缀不能超过 20 个字"):
        _open(society, number_prefix="A" * 21)
    s = JoinSettings.objects.get(society=society)
    assert s.intro == "原来的入会须知" and s.number_prefix == ""


@pytest.mark.django_db
def test_an_over_long_receipt_number_is_refused_and_no_payment_is_recorded(application):
    m = svc.approve(application["staff"], application["app"])
    with pytest.raises(ValidationError, match="收据号不能超过 40 个字"):
        svc.record_payment(application["staff"], m, period=m.joined_on.year, amount=200, receipt_number="R" * 41)
    assert not DuesPayment.objects.filter(membership=m).exists()


# ---- 我的 profile changes and identity claims --------------------------------------------------------------------
def _person_with_account(org) -> Person:
    user = User.objects.create(username=f"cuts-home-{next(_seq)}")
    return Person.objects.create(name="张晓明", org=org, org_path=org.path, user=user, gender="M",
                                 employer_name="甲市第一医院", phone="13812345678")


@pytest.mark.django_db
def test_a_profile_change_with_an_over_long_note_is_refused_and_nothing_is_asked(province):
    person = _person_with_account(province["city_a"])
    with pytest.raises(ValidationError, match="说明不能超过 500 个字"):
        home.request_change(person.user, person, {"name": "张晓明明"}, "说" * 501)
    assert not ProfileChange.objects.filter(person=person).exists()
    change = home.request_change(person.user, person, {"name": "张晓明明"}, "说" * 500)
    assert change.note == "说" * 500


@pytest.mark.django_db
def test_rejecting_a_profile_change_with_an_over_long_reason_leaves_it_pending(province):
    person = _person_with_account(province["city_a"])
    change = home.request_change(person.user, person, {"name": "张晓明明"}, "更名")
    with pytest.raises(ValidationError, match="驳回理由不能超过 500 个字"):
        home.reject_change(province["users"]["demo-city-a"], change, LONG_REASON)
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING and change.reason == ""
    assert any(getattr(f, "max_length", None) == 500 for f in _form_fields(home_forms, "reason"))


@pytest.mark.django_db
def test_rejecting_a_claim_with_an_over_long_reason_leaves_it_pending(province):
    person = _person_with_account(province["city_a"])
    claimant = User.objects.create(username=f"cuts-claim-{next(_seq)}")
    claim = ClaimRequest.objects.create(user=claimant, person=person, name=person.name, org_path=person.org_path)
    with pytest.raises(ValidationError, match="不予确认的理由不能超过 500 个字"):
        signup.reject_claim(province["users"]["demo-city-a"], claim.pk, LONG_REASON)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING and claim.reason == ""
    assert any(getattr(f, "max_length", None) == 500 for f in _form_fields(signup_forms, "reason"))


def _form_fields(module, name: str) -> list:
    """The fields called ``name`` of every form class of ``module`` (the limit the page shows first)."""
    from django import forms

    return [cls.base_fields[name] for cls in vars(module).values()
            if isinstance(cls, type) and issubclass(cls, forms.BaseForm) and name in getattr(cls, "base_fields", {})]


# ---- one keyword parser ------------------------------------------------------------------------------------------
def test_the_import_splits_keywords_as_the_forms_do():
    col = Column("expertise", "专业特长", "keywords")
    for text in ("机器学习、医学影像", "机器学习,医学影像；机器学习\n图像 分割", "甲|乙|甲"):
        assert _keywords(None, col, text) == split_keywords(text.replace("|", "、"))
    assert _keywords(None, col, "机器学习、 医学影像 ,机器学习") == ["机器学习", "医学影像"]
