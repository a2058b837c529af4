"""Demo 数字科普 data for ``kexie seed`` (decision 0056), deterministic from the seed.

- 省科协科普专家库 (``calls.ExpertLibrary`` purpose ``kepu``) at the province: ``demo-expert``'s Person and eleven
  registry experts of the disciplines the items need (each with a platform account: reviewers decide there).
- About forty items of the province (written by ``demo-province``) and three of city A (``demo-city-a``), run
  through the real services: drafts, in 科学性审核 (one task waiting for ``demo-expert``), in 编辑审核, returned
  with a reason, scheduled, published (dated back over 90 days), one retracted with a correction; city A adopts
  one province item (中央厨房).
- A typhoon incident with three items on the emergency fast track (one after-reviewed, two waiting).
- Fifteen published debunks, signed by the library's experts.
- Then ``kexie.demo.kepu_history``: screens, information officers with points, demo-scientist's subscriptions,
  90 days of reads (ViewEvent + ItemDay), 35 days of searches with a rising term, ratings, hot-topic counts.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from kexie.accounts.models import User
from kexie.calls.experts import services as expert_services
from kexie.calls.models import ExpertLibrary, LibraryPurpose
from kexie.core.services import SYSTEM
from kexie.demo.data.kepu_debunks import DEBUNKS, INCIDENT, INCIDENT_ITEMS
from kexie.demo.data.kepu_items import FARMERS, YOUTH, Text
from kexie.demo.data.kepu_items_more import ELDERLY, OFFICIALS, WORKERS
from kexie.demo.kepu_timeline import backdate
from kexie.kepu.content import library as library_services
from kexie.kepu.content.services import create_item
from kexie.kepu.debunks import services as debunk_services
from kexie.kepu.emergency import incidents as incident_services
from kexie.kepu.emergency.services import fast_publish
from kexie.kepu.models import Audience, Item, ItemEvent, ItemEventAction, ReviewTask, TaskDecision, Topic
from kexie.kepu.review import services as review
from kexie.orgs.models import Organisation
from kexie.people.models import Discipline, Person, PersonDiscipline

LIBRARY_NAME = "省科协科普专家库"
EXPERT_CODES = ("330", "320", "210", "170", "520", "590", "460", "620", "480", "610", "230")
# The states of the province's items, by position in ``province_texts()``; the rest are published.
DRAFTS = (3, 17, 33)
SCIENCE = (5, 12, 26)  # 5: the one ``demo-expert`` reviews (its disciplines are the expert's)
EDITORIAL = (9, 21)
RETURNED = {10: ("science", "文中“每天户外两小时”的依据请补充文献来源，第二段关于多巴胺的表述过于绝对，请修改。"),
            29: ("editorial", "标题与正文重点不一致，请压缩第三部分，并补充本省相关数据的出处。")}
SCHEDULED = 38
RETRACTED = 6
RETRACTION = ("原文“每亩节约化肥成本三十元以上”一句引用的是试点县数据，不能代表全省平均水平，已撤稿更正。"
              "更正后的数据以省耕地质量保护站发布的年度报告为准。")
CITY_A = (7, 15, 24)  # written by demo-city-a (24 stays a draft); 0 is adopted by city A


def province_texts() -> list[Text]:
    out: list[Text] = []
    for group in zip(YOUTH, FARMERS, WORKERS, ELDERLY, OFFICIALS, strict=True):
        out.extend(group)
    return out


def html_of(body: tuple) -> str:
    """The item body's blocks as HTML: paragraphs, "## " headings and tuples as lists."""
    parts = []
    for block in body:
        if isinstance(block, tuple):
            parts.append("<ul>" + "".join(f"<li>{x}</li>" for x in block) + "</ul>")
        elif block.startswith("## "):
            parts.append(f"<h2>{block[3:]}</h2>")
        else:
            parts.append(f"<p>{block}</p>")
    return "\n".join(parts)


class Seeder:
    def __init__(self, gen: Any, rng: random.Random) -> None:
        self.gen, self.rng = gen, rng
        self.now = timezone.now()
        users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
        self.province, self.city_a = users["demo-province"], users["demo-city-a"]
        self.expert_user = users.get("demo-expert")
        self.topics = {t.code: t for t in Topic.objects.all()}
        self.audiences = {a.code: a for a in Audience.objects.all()}
        self.disciplines = {d.code: d for d in Discipline.objects.filter(code__regex=r"^[0-9]{3}$")}
        self.city = gen.cities[0] if gen.cities else gen.root

    def create(self, actor: Any, org: Organisation, text: Text, *, disciplines: list | None = None,
               incident: Any = None) -> Item:
        return create_item(
            actor, org=org, kind=text.kind, title=text.title, summary=text.summary, body=html_of(text.body),
            source=text.source, byline=text.byline, health=text.health,
            disciplines=disciplines if disciplines is not None else
            [self.disciplines[c] for c in text.disciplines if c in self.disciplines],
            topics=[self.topics[c] for c in text.topics], audiences=[self.audiences[c] for c in text.audiences],
            regions=[org.region] if org.region_id else [], incident=incident)

    def review_science(self, item: Item, *, approve: bool = True, reason: str = "") -> None:
        """Every pending expert task of the item's round decided by its expert, on the platform."""
        for task in ReviewTask.objects.filter(item=item, decision=TaskDecision.PENDING).select_related("expert"):
            review.decide(task.expert.user, task, approve=approve, reason=reason)
            if not approve:
                break

    def publish(self, actor: Any, item: Item, when: dt.datetime, editor: Any = None) -> Item:
        review.submit(actor, item)
        self.review_science(item)
        review.editorial_approve(editor or self.province, item)
        backdate(item.pk, when, self.rng)
        return item


def seed_kepu(gen: Any, log: Any = print) -> dict[str, int]:
    rng = random.Random(f"kepu-{gen.seed}")
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        experts = _library(gen, rng)
    s = Seeder(gen, rng)
    out = {"experts": len(experts)}
    out.update(_items(s))
    out["debunks"] = _debunks(s, experts)
    out["emergency"] = _emergency(s)
    from kexie.demo.kepu_history import seed_history

    out.update(seed_history(gen, rng, log))
    log(f"  数字科普：作品 {out['items']} 篇（已发布 {out['published']} 篇），辟谣 {out['debunks']} 条，"
        f"应急作品 {out['emergency']} 篇，阅读记录 {out['views']} 条，检索记录 {out['searches']} 条，"
        f"用时 {time.perf_counter() - started:.1f} 秒（CPU {time.process_time() - cpu:.1f} 秒）")
    return out


def _library(gen: Any, rng: random.Random) -> list[Person]:
    """The province's 科普 expert library: demo-expert's Person and one senior expert per needed discipline,
    each with an account (experts review on the platform)."""
    lib = expert_services.create_library(SYSTEM, owner=gen.root, name=LIBRARY_NAME,
                                         description="审核科普作品科学性的专家：医学健康类作品须经两位专家审核。")
    ExpertLibrary.objects.filter(pk=lib.pk).update(purpose=LibraryPurpose.KEPU)
    people: list[Person] = []
    mine = Person.objects.filter(user__username="demo-expert").first()
    skip: set[str] = set()
    if mine is not None:
        people.append(mine)
        skip = {c[:3] for c in PersonDiscipline.objects.filter(person=mine, is_primary=True)
                .values_list("discipline__code", flat=True)}
    for code in EXPERT_CODES:
        if code in skip:
            continue
        pool = list(PersonDiscipline.objects.filter(
            is_primary=True, discipline__code__startswith=code, person__deleted_at__isnull=True,
            person__user__isnull=True).order_by("person_id").values_list("person_id", flat=True)[:200])
        if not pool:
            continue
        person = Person.objects.get(pk=rng.choice(pool))
        user = User(username=f"kepu-expert-{code}", display_name=person.name)
        user.set_unusable_password()
        user.save()
        Person.objects.filter(pk=person.pk).update(user=user)
        person.user = user
        people.append(person)
    expert_services.add_experts(SYSTEM, lib, people, max_per_call=10)
    return people


def _items(s: Seeder) -> dict[str, int]:
    texts = province_texts()
    root, now, rng = s.gen.root, s.now, s.rng
    mine = Person.objects.filter(user=s.expert_user).first() if s.expert_user else None
    out = {"items": 0, "published": 0}
    published: list[Item] = []
    ages = sorted(rng.sample(range(2, 88), len(texts)), reverse=True)  # days since publication, oldest first
    for i, text in enumerate(texts):
        city = i in CITY_A
        actor, org = (s.city_a, s.city) if city else (s.province, root)
        disciplines = None
        if i == SCIENCE[0] and mine is not None:
            disciplines = list(mine.disciplines.all())
        item = s.create(actor, org, text, disciplines=disciplines)
        out["items"] += 1
        when = now - dt.timedelta(days=ages[i], hours=rng.randint(0, 10))
        if i in DRAFTS or (city and i == CITY_A[-1]):
            continue
        if i in SCIENCE:
            review.submit(actor, item)
        elif i in EDITORIAL:
            review.submit(actor, item)
            s.review_science(item)
        elif i in RETURNED:
            stage, reason = RETURNED[i]
            review.submit(actor, item)
            if stage == "science":
                s.review_science(item, approve=False, reason=reason)
            else:
                s.review_science(item)
                review.editorial_return(s.province, item, reason=reason)
        elif i == SCHEDULED:
            review.submit(actor, item)
            s.review_science(item)
            at = (now + dt.timedelta(days=2)).replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 local
            review.editorial_approve(s.province, item, publish_at=at)
        else:
            # a city item: its editor is demo-city-a, its experts come from the province's library
            s.publish(actor, item, when, editor=actor if city else None)
            published.append(item)
            if i == RETRACTED:
                review.retract(s.province, item, correction=RETRACTION)
                gone = when + dt.timedelta(days=3)
                Item.objects.filter(pk=item.pk).update(retracted_at=gone, updated_at=gone)
                ItemEvent.objects.filter(item=item, action=ItemEventAction.RETRACTED).update(at=gone)
            else:
                out["published"] += 1
    first = texts[0]
    adopted = Item.objects.filter(org=root, title=first.title).first()
    if adopted is not None:
        with transaction.atomic():
            library_services.adopt(s.city_a, adopted, s.city)
    return out


def _debunks(s: Seeder, experts: list[Person]) -> int:
    today = timezone.localdate()
    n = 0
    for i, (claim, verdict, topics, paragraphs, sources, days) in enumerate(DEBUNKS):
        expert = experts[i % len(experts)] if experts else None
        debunk = debunk_services.create_debunk(
            s.province, org=s.gen.root, topics=[s.topics[c] for c in topics], claim=claim, verdict=verdict,
            explanation="\n\n".join(paragraphs), sources=sources, expert=expert,
            expert_name="" if expert else "省科协科普专家组", first_seen=today - dt.timedelta(days=days))
        debunk_services.publish(s.province, debunk)
        type(debunk).objects.filter(pk=debunk.pk).update(
            published_at=s.now - dt.timedelta(days=min(days, 80) - i % 5, hours=i))
        n += 1
    return n


def _emergency(s: Seeder) -> int:
    """The typhoon: registered a day ago by the province (its approver: demo-province); three items fast-published,
    the first already after-reviewed by its experts."""
    incident = incident_services.create_incident(
        s.province, org=s.gen.root, kind=INCIDENT["kind"], title=INCIDENT["title"], summary=INCIDENT["summary"],
        approver=s.province, after_review_hours=INCIDENT["after_review_hours"])
    type(incident).objects.filter(pk=incident.pk).update(started_at=s.now - dt.timedelta(hours=20))
    for i, text in enumerate(INCIDENT_ITEMS):
        item = s.create(s.province, s.gen.root, text, incident=incident)
        fast_publish(s.province, item)
        if i == 0:
            for task in ReviewTask.objects.filter(item=item, decision=TaskDecision.PENDING).select_related("expert"):
                review.decide(task.expert.user, task, approve=True, reason="内容准确，符合防台风应急指引。")
        Item.objects.filter(pk=item.pk).update(published_at=s.now - dt.timedelta(hours=18 - 5 * i))
    return len(INCIDENT_ITEMS)
