"""A 科普 review world on top of the tiny province, shared by tests/test_kepu_review*.py: an author of city A who
holds only kepu.view + kepu.change, the city's editor (demo-city-a, an administrator), three experts with platform
accounts in the province's 科普 expert library (other 科普 libraries of the seed switched off), one of them working
where the author works (a conflict), and the author's own Person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

PASSWORD = "kexie-demo"


@dataclass
class World:
    a: Any
    b: Any
    root: Any
    author: Any
    author_person: Any
    editor: Any
    experts: list[Any]  # users of the non-conflicting experts, best affinity first
    conflicted: Any  # user of the expert who shares the author's employer
    library: Any
    discipline: Any


def _user(username: str, display: str) -> Any:
    from kexie.accounts.models import User

    user = User(username=username, display_name=display, password_changed_at=timezone.now())
    user.set_password(PASSWORD)
    user.save()
    return user


def _person(org: Any, name: str, employer: str, user: Any) -> Any:
    from kexie.people.models import Person

    return Person.objects.create(name=name, org=org, org_path=org.path, employer_name=employer, user=user)


def build() -> World:
    from kexie.accounts.models import Role, User
    from kexie.accounts.services import grant_role
    from kexie.calls.models import Expert, ExpertLibrary
    from kexie.core.services import SYSTEM
    from kexie.people.models import Discipline, PersonDiscipline

    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    a = users["demo-city-a"].assignments.get().organisation
    b = users["demo-city-b"].assignments.get().organisation
    root = users["demo-province"].assignments.get().organisation
    Role.objects.get_or_create(code="kp-writer", defaults={"name": "科普撰稿", "actions": ["kepu.view", "kepu.change"]})
    author = _user("kp-author", "科普撰稿人")
    grant_role(SYSTEM, author, a, "kp-writer")
    author_person = _person(a, "何撰稿", "江淮理工大学（东校区）", author)
    ExpertLibrary.objects.filter(purpose="kepu").update(deleted_at=timezone.now())
    library = ExpertLibrary.objects.create(name="省科普专家库", purpose="kepu", owner=root, org_path=root.path)
    best = Discipline.objects.get(code="31034")  # 人体免疫学
    other = Discipline.objects.get(code="17015")  # 大气科学
    experts = []
    for i, (name, employer, disc) in enumerate([("赵专家", "省人民医院", best), ("钱专家", "省农业科学院", best),
                                                 ("孙专家", "江淮理工大学", best), ("李专家", "省气象局", other)]):
        user = _user(f"kp-expert-{i + 1}", name)
        person = _person(root, name, employer, user)
        PersonDiscipline.objects.create(person=person, discipline=disc, is_primary=True)
        Expert.objects.create(library=library, person=person, org_path=library.org_path)
        experts.append(user)
    conflicted = experts.pop(2)
    return World(a=a, b=b, root=root, author=author, author_person=author_person, editor=users["demo-city-a"],
                 experts=experts, conflicted=conflicted, library=library, discipline=best)


def draft(world: World, *, health: bool = False, title: str = "秋冬季节如何科学预防流感", actor: Any = None,
          org: Any = None) -> Any:
    from kexie.kepu.content.services import create_item

    return create_item(actor or world.author, org=org or world.a, kind="article",
                       title=title, summary="流感疫苗与日常防护要点",
                       body="<p>接种流感疫苗是预防流感最有效的手段。</p>", health=health,
                       disciplines=[world.discipline])
