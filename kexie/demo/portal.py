"""Demo data of the public portal: news and notices by the province and a city (published, one draft, one
withdrawn) and public expert profiles: about 15 % of the people with expertise consent (``public_profile``), and a
few people without expertise too, so that the expert finder has something to find and something to leave out."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from kexie.core.services import SYSTEM
from kexie.people.models import Person
from kexie.portal import services
from kexie.portal.models import Article

# (kind, title, summary, body) — fictional items in the voice of an association's website
ARTICLES = (
    ("news", "省科协召开全省科协系统工作会议", "部署新一年学会改革、科普服务和科技人才工作。",
     "会议总结了过去一年全省科协系统的工作，部署了学会改革、基层组织建设、科普服务和科技人才工作。\n\n"
     "会议要求，各级科协要围绕服务科技工作者、服务创新驱动发展、服务全民科学素质提升、服务党和政府科学决策，"
     "推动各项工作落到实处。"),
    ("news", "全国科技工作者日主题活动在各市同步举行", "各市科协组织座谈、义诊、科普讲座等活动。",
     "全国科技工作者日期间，各市科协组织开展了科技工作者座谈、专家义诊、科普进社区等活动。\n\n"
     "活动覆盖全省各市县，参与科技工作者和群众逾万人次。"),
    ("notice", "关于开展年度学会综合能力评价工作的通知", "请各省级学会按时填报年报并提交佐证材料。",
     "各省级学会：\n\n根据年度工作安排，现启动学会综合能力评价工作。请各学会登录平台填报年度报告，"
     "并按要求上传佐证材料。\n\n填报截止时间以平台公布为准。"),
    ("notice", "关于推荐青年人才托举工程候选人的通知", "面向全省推荐优秀青年科技工作者。",
     "各市科协、各省级学会：\n\n现开展青年人才托举工程候选人推荐工作，请按照推荐名额和条件组织推荐，"
     "通过平台提交申报材料。"),
)
CITY_ARTICLES = (
    ("news", "市科协开展科技志愿服务进乡村活动", "组织专家深入乡村开展技术指导。",
     "市科协组织农业、医疗等领域专家深入乡村开展科技志愿服务，现场解答群众技术问题。"),
    ("notice", "关于征集企业技术需求的通知", "欢迎企业通过科创云集市发布技术需求。",
     "为促进科技成果转化，现面向全市企业征集技术需求，企业可在科创云集市发布需求，由学会和专家对接。"),
)
PUBLIC_SHARE = 0.15


def _article(org: Any, kind: str, title: str, summary: str, body: str, when: dt.datetime) -> Article:
    article = services.create_article(SYSTEM, org, kind=kind, title=title, summary=summary, body=body)
    services.publish(SYSTEM, article)
    Article.objects.filter(pk=article.pk).update(published_at=when)
    return article


def seed_portal(gen: Any, log: Any = print) -> dict[str, int]:
    rng = random.Random(f"portal-{gen.seed}")
    now = timezone.now()
    out = {"articles": 0, "public_profiles": 0}
    with transaction.atomic():
        for i, (kind, title, summary, body) in enumerate(ARTICLES):
            _article(gen.root, kind, title, summary, body, now - dt.timedelta(days=2 * i + 1))
            out["articles"] += 1
        city = gen.cities[0] if gen.cities else gen.root
        for i, (kind, title, summary, body) in enumerate(CITY_ARTICLES):
            _article(city, kind, f"{city.name}{title}" if not title.startswith(city.name) else title, summary,
                     body, now - dt.timedelta(days=3 * i + 2))
            out["articles"] += 1
        withdrawn = _article(gen.root, "notice", "关于调整会议时间的通知（已撤回）", "", "会议时间另行通知。",
                             now - dt.timedelta(days=20))
        services.withdraw(SYSTEM, withdrawn)
        services.create_article(SYSTEM, gen.root, kind="news", title="年度科普工作总结（草稿）", summary="",
                                body="草稿，待审核后发布。")
        out["articles"] += 2

        # Consent to a public profile: a deterministic sample of people with expertise, and a few without.
        with_expertise = Person.objects.alive().exclude(expertise=[]).order_by("id").values_list("id", flat=True)
        ids = [pk for pk in with_expertise.iterator(chunk_size=20000) if rng.random() < PUBLIC_SHARE]
        without = list(Person.objects.alive().filter(expertise=[]).order_by("id").values_list("id", flat=True)[:200])
        ids += rng.sample(without, min(5, len(without)))
        for start in range(0, len(ids), 20000):
            Person.objects.filter(pk__in=ids[start:start + 20000]).update(public_profile=True)
        out["public_profiles"] = len(ids)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE people_person")
    log(f"  门户：新闻公告 {out['articles']} 篇，公开专家信息 {out['public_profiles']} 人")
    return out
