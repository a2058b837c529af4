"""Demo 查重合并 data for ``kexie seed``: the same scientist registered twice, as rosters really do it, and
the dedup job (``kexie.identity.services.run_dedup``) run over the register, so that the review queue holds
candidate pairs and the merge list a few automatic merges — deterministic from the seed.

A handful of registered people (in every city, city A and city B among them) get a second record through the
people service: sure copies (the name in traditional characters, the same phone and birth date, no ID number)
that the job merges by itself, and grey-zone copies (a homophone in the given name, no phone and no ID number,
and either another employer or the birth date typed a month off) that it queues for staff."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

from kexie.core.services import SYSTEM
from kexie.demo.rosters import _homophones, _variant
from kexie.identity.services import run_dedup
from kexie.orgs.models import Organisation
from kexie.people import services as people_services
from kexie.people.models import Person

SURE_PER_CITY = 1
GREY_PER_CITY = 2
CITIES = 4  # the first cities (A and B included) get copies


def _pick(city: Organisation, rng: random.Random, n: int, homophones: dict[str, list[str]], taken: set[int]
          ) -> list[Person]:
    pool = list(Person.objects.alive().filter(org_path__startswith=city.path, user__isnull=True,
                                              birth_date__isnull=False).exclude(pk__in=taken)
                .order_by("pk").values_list("pk", "name")[:400])
    fit = [pk for pk, name in pool if name[-1] in homophones]
    chosen = sorted(rng.sample(fit, min(n, len(fit))))
    taken.update(chosen)
    return list(Person.objects.filter(pk__in=chosen).select_related("org").order_by("pk"))


def _homophone(name: str, rng: random.Random, homophones: dict[str, list[str]]) -> str:
    return name[:-1] + rng.choice(homophones[name[-1]])


def _copy(person: Person, *, name: str, phone: str, employer: str, birth: Any = None) -> Person:
    return people_services.create_person(SYSTEM, {
        "org": person.org, "name": name, "gender": person.gender, "birth_date": birth or person.birth_date,
        "phone": phone, "employer_name": employer, "title": person.title, "title_level": person.title_level,
        "education": person.education, "expertise": list(person.expertise or [])})


def seed_identity(gen: Any, log: Any = print) -> dict[str, Any]:
    import opencc

    rng = random.Random(f"identity-{gen.seed}")
    s2t = opencc.OpenCC("s2t")
    homophones = _homophones()
    taken: set[int] = set()
    with transaction.atomic():
        for city in gen.cities[:CITIES]:
            people = _pick(city, rng, SURE_PER_CITY + GREY_PER_CITY, homophones, taken)
            for i, person in enumerate(people):
                if i < SURE_PER_CITY and person.phone:
                    _copy(person, name=s2t.convert(person.name), phone=person.phone,
                          employer=_variant(person.employer_name, 0.9))
                elif i % 2:  # moved to another employer since
                    others = [p.employer_name for p in people if p.employer_name != person.employer_name]
                    _copy(person, name=_homophone(person.name, rng, homophones), phone="",
                          employer=others[0] if others else f"{city.name.removesuffix('科学技术协会')}科学技术研究院")
                else:  # the birth date typed a month off
                    birth = person.birth_date
                    _copy(person, name=_homophone(person.name, rng, homophones), phone="",
                          employer=_variant(person.employer_name, rng.random()),
                          birth=birth.replace(day=min(birth.day, 28), month=birth.month % 12 + 1))
    report = run_dedup(SYSTEM)
    log(f"  查重合并：登记 {report['records']} 人，疑似重复 {report['pairs_found']} 对，自动合并 {report['merged']} 对，"
        f"待审核 {report['queued']} 对")
    return report
