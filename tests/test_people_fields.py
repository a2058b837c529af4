"""专业特长 and 荣誉 are read the same way on the staff form (/people/…/edit/) and on 我的 (/me/edit/): one keyword
parser and one lines parser (kexie/people/fields.py); an item over its limit is refused with a message naming it,
never cut."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from kexie.accounts.models import User
from kexie.people.fields import KeywordListField, LinesField, split_keywords
from kexie.people.models import Person
from tests.conftest import login

pytestmark = pytest.mark.django_db
_seq = itertools.count(1)


def test_keywords_split_on_every_separator_and_drop_repeats():
    assert split_keywords("心血管，介入治疗,影像；超声;心电、心血管\n 康复 \r\n") == [
        "心血管", "介入治疗", "影像", "超声", "心电", "康复"]
    field = KeywordListField(label="专业特长", max_count=2, max_item_length=4)
    assert field.clean("") == []
    with pytest.raises(ValidationError) as exc:
        field.clean("甲、乙、丙")
    assert exc.value.messages == ["专业特长最多填写2个关键词。"]
    with pytest.raises(ValidationError) as exc:
        field.clean("甲、心血管介入")
    assert exc.value.messages == ["专业特长每个关键词不超过4个字，“心血管介入”有5个字。"]


def test_lines_are_kept_whole_or_refused():
    field = LinesField(label="荣誉", max_item_length=5)
    assert field.clean(" 省科技奖 \n\n 国家奖\r\n") == ["省科技奖", "国家奖"]
    with pytest.raises(ValidationError) as exc:
        field.clean("省科技奖\n省科学技术进步奖一等奖")
    assert exc.value.messages == ["荣誉每项不超过5个字，“省科学技术进步奖一等奖”有11个字。"]


def _staff_post(person, **extra):
    data = {"name": person.name, "gender": "", "birth_date": "", "ethnicity": "", "email": "", "org": person.org_id,
            "employer": "", "employer_name": "", "position": "", "title": "", "title_level": "", "education": "",
            "bio": "", "id_number": "", "phone": "", "expertise_text": "", "honours_text": ""}
    data.update(extra)
    return data


def test_staff_form_refuses_an_over_long_honour_instead_of_cutting_it(province):
    org = province["city_a"]
    person = Person.objects.create(name="林晓", org=org, org_path=org.path, honours=["省青年科技奖"])
    long_honour = "省" + "科" * 100
    client = login("demo-city-a")
    resp = client.post(f"/people/{person.pk}/edit/", _staff_post(person, honours_text=f"国家奖\n{long_honour}",
                                                                  expertise_text="心血管，介入治疗"))
    html = resp.content.decode()
    assert resp.status_code == 200 and "荣誉每项不超过100个字" in html and "有101个字" in html
    person.refresh_from_db()
    assert person.honours == ["省青年科技奖"] and person.expertise == []
    resp = client.post(f"/people/{person.pk}/edit/", _staff_post(person, honours_text=f"国家奖\n{long_honour[:100]}",
                                                                  expertise_text="心血管，介入治疗、心血管"))
    assert resp.status_code == 302
    person.refresh_from_db()
    assert person.honours == ["国家奖", long_honour[:100]] and person.expertise == ["心血管", "介入治疗"]


def test_own_form_reads_keywords_and_honours_like_the_staff_form(province):
    org = province["city_a"]
    user = User.objects.create(username=f"fields-user-{next(_seq)}")
    person = Person.objects.create(name="周敏", org=org, org_path=org.path, user=user)
    from django.test import Client

    client = Client()
    client.force_login(user)
    data = {"part": "own", "email": "", "position": "", "title": "", "title_level": "", "education": "",
            "discipline_1": "", "discipline_2": "", "discipline_3": "", "bio": "",
            "expertise": "心血管；介入治疗\n影像", "honours": "省科技奖\n" + "奖" * 101}
    html = client.post("/me/edit/", data).content.decode()
    assert "荣誉每项不超过100个字" in html
    person.refresh_from_db()
    assert person.expertise == [] and person.honours == []
    data["honours"] = "省科技奖\n\n 国家奖 "
    data["expertise"] = "心血管；介入治疗\n影像、" + "长" * 31
    html = client.post("/me/edit/", data).content.decode()
    assert "专业特长每个关键词不超过30个字" in html
    data["expertise"] = "心血管；介入治疗\n影像"
    assert client.post("/me/edit/", data).status_code == 302
    person.refresh_from_db()
    assert person.expertise == ["心血管", "介入治疗", "影像"] and person.honours == ["省科技奖", "国家奖"]
