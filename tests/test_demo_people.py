"""Plausible demo people (issue 15 item 11): a person's title, employer, disciplines and expertise agree, checked
over the seeded province by rules written here, not by the generator's own tables — a doctor's title goes with
medicine, an agronomist's with agriculture, a teacher works at a school, a professor at a university, an
engineer holds an engineering discipline, and every expertise term belongs to one of the person's disciplines."""

from __future__ import annotations

import pytest

from kexie.demo.data.expertise import EXPERTISE
from kexie.people.models import Person, PersonDiscipline

pytestmark = pytest.mark.django_db

DOCTOR = {"主任医师", "副主任医师", "主治医师", "医师"}
AGRONOMIST = {"农业技术推广研究员", "高级农艺师", "农艺师", "助理农艺师"}
TEACHER = {"正高级教师", "高级教师", "一级教师", "二级教师"}
PROFESSOR = {"教授", "副教授", "讲师", "助教"}
ENGINEER = {"正高级工程师", "高级工程师", "工程师", "助理工程师"}
ENGINEERING = {"120", "150", "350", "410", "413", "416", "420", "430", "440", "450", "460", "470", "480", "490", "510",
               "520", "530", "535", "540", "550", "560", "570", "580", "590", "610", "620", "630"}


SCHOOL = {"110", "140", "150", "180", "740", "750", "760", "770", "880", "890"}
HOSPITAL_WORDS = ("医院", "保健院", "卫生院", "卫生中心", "临床中心", "疾病预防控制中心", "医学会", "学会")


def problems_of(title: str, employer: str, codes: list[str], expertise: list[str]) -> list[str]:
    out = []
    holds = set(codes)
    if title in DOCTOR and not all(c.startswith("3") for c in holds):
        out.append("a doctor with a discipline outside medicine")
    if title in DOCTOR and not any(w in employer for w in HOSPITAL_WORDS):
        out.append("a doctor outside a hospital")
    if title in AGRONOMIST and not all(c.startswith("2") for c in holds):
        out.append("an agronomist with a discipline outside agriculture")
    if title in AGRONOMIST and any(w in employer for w in ("医院", "卫生院", "中学", "小学")):
        out.append("an agronomist at a hospital or school")
    if title in TEACHER and not any(w in employer for w in ("中学", "小学")):
        out.append("a school teacher outside a school")
    if title in TEACHER and not holds <= SCHOOL:
        out.append("a school teacher with a discipline no school teaches")
    if title in PROFESSOR and not any(w in employer for w in ("大学", "学院")):
        out.append("a professor outside a university")
    if title in ENGINEER and not holds <= ENGINEERING:
        out.append("an engineer with a discipline outside engineering")
    if any(w in employer for w in ("医院", "卫生院")) and not codes[0].startswith("3"):
        out.append("hospital staff outside medicine")
    vocab = {t for c in codes for t in EXPERTISE.get(c, ())}
    if any(w not in vocab for w in expertise):
        out.append("expertise outside the person's disciplines")
    return out


def test_demo_people_are_plausible(province):
    codes: dict[int, list[str]] = {}
    for pid, code in (PersonDiscipline.objects.filter(discipline__parent__isnull=True)
                      .order_by("person_id", "-is_primary").values_list("person_id", "discipline__code")):
        codes.setdefault(pid, []).append(code)
    people = list(Person.objects.filter(pk__in=list(codes)).exclude(title="")
                  .values_list("pk", "name", "title", "employer_name", "expertise"))
    assert len(people) >= 500
    found = []
    for pk, name, title, employer, expertise in people:
        for p in problems_of(title, employer, codes[pk], expertise or []):
            found.append(f"{name}（{title}，{employer}，{codes[pk]}）: {p}")
    assert not found, f"{len(found)} implausible of {len(people)}:\n" + "\n".join(found[:20])
    titles = {t for _, _, t, _, _ in people}
    assert titles & DOCTOR and titles & AGRONOMIST and titles & ENGINEER and titles & PROFESSOR  # a real mix


def test_the_rules_catch_what_the_walkthrough_met():
    assert "hospital staff outside medicine" in problems_of("高级农艺师", "某镇卫生院", ["210"], [])
    assert "an agronomist at a hospital or school" in problems_of("高级农艺师", "某镇卫生院", ["210"], [])
    assert "expertise outside the person's disciplines" in problems_of("正高级工程师", "国网某供电公司", ["470"],
                                                                        ["音乐表演"])
    assert problems_of("正高级工程师", "国网某供电公司", ["470"], [EXPERTISE["470"][0]]) == []
