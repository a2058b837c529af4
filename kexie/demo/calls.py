"""Demo 申报评审 data for ``kexie seed``: two calls of the province association with quotas, an expert
library drawn from the registry, and applications in various states — deterministic from the seed.

- 青年人才托举工程 (seed 000: the yearly 100 young talents under 35): individuals under 35 who are
  members of a society, nominated by their society (2 places each) or their city association (3 places);
  in the 单位推荐 stage with some nominated, one declined, a few still drafts.
- 优秀科普作品评选 (seed 001: 100 excellent popular-science works a year): in the 形式审查 stage, some
  passed, one returned for revision, one failed, the rest waiting.
- 学会研究课题 of last year (seed 000: 立项 75; seed 001: 50 topics funded): results published eight months
  ago, its approved topics established as projects; midterm reports passed, returned, awaiting review or
  overdue, final reports due in four months.
- 省科协评审专家库: ~50 senior experts from the registry with availability and past load.
- 优秀科技论文遴选 of this year: open for applications (申报 stage, open to every scientist of the province,
  which ``demo-scientist`` is checked against), a few applications submitted, some drafts.
- 科技创新智库课题 of this year: in 通讯评审 (blind), reviewers assigned by the assignment service, part of the
  reviews submitted; ``demo-expert`` (评审专家) is the library expert with the most open review tasks.
- 学会研究课题 of last year runs through the services from application to published results: formal check,
  assignment, every review submitted with scores, the public notice of the best-ranked topics and the final
  results; then its dates are moved into the past, as the other seeded histories are.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

from kexie.accounts.models import User
from kexie.calls import eligibility
from kexie.calls.applications import services as app_services
from kexie.calls.experts import services as expert_services
from kexie.calls.models import Call, ExpertLibrary
from kexie.calls.setup import services as setup_services
from kexie.core.services import SYSTEM
from kexie.members.models import Membership
from kexie.orgs.models import Organisation
from kexie.people.models import Person, PersonDiscipline

TALENT_FORM = {"sections": [
    {"key": "basic", "title": "基本情况", "fields": [
        {"key": "direction", "label": "研究方向", "type": "text", "required": True},
        {"key": "discipline", "label": "学科代码", "type": "text", "required": True,
         "help": "GB/T 13745 学科代码，如 520（计算机科学技术）"},
        {"key": "keywords", "label": "关键词", "type": "text", "required": True, "help": "3-5 个，用顿号分隔"},
        {"key": "summary", "label": "主要学术成绩与创新点", "type": "text", "required": True, "multiline": True,
         "max_length": 1500}]},
    {"key": "output", "title": "代表性成果", "fields": [
        {"key": "papers", "label": "代表性论文或专利", "type": "table", "max_rows": 10, "required": True, "columns": [
            {"key": "title", "label": "题目", "type": "text", "required": True},
            {"key": "venue", "label": "期刊/专利号", "type": "text"},
            {"key": "year", "label": "年份", "type": "number", "min": 1990, "max": 2100}]},
        {"key": "letter", "label": "推荐意见（盖章扫描件）", "type": "file", "extensions": ["pdf", "jpg", "png"],
         "max_size": 5242880}]},
], "rules": []}

POPSCI_FORM = {"sections": [
    {"key": "work", "title": "作品信息", "fields": [
        {"key": "category", "label": "作品类别", "type": "choice", "required": True,
         "choices": ["科普图书", "科普视频", "科普动漫", "科普文章", "科普展品"]},
        {"key": "published_on", "label": "首次发表日期", "type": "date", "required": True},
        {"key": "discipline", "label": "学科代码", "type": "text"},
        {"key": "keywords", "label": "关键词", "type": "text", "required": True},
        {"key": "audience", "label": "目标人群", "type": "choice",
         "choices": ["青少年", "农民", "产业工人", "老年人", "领导干部和公务员", "社会公众"]},
        {"key": "summary", "label": "作品简介", "type": "text", "required": True, "multiline": True},
        {"key": "reach", "label": "传播量", "type": "number", "unit": "人次", "min": 0},
        {"key": "authors", "label": "主创人员", "type": "table", "max_rows": 8, "columns": [
            {"key": "name", "label": "姓名", "type": "text", "required": True},
            {"key": "role", "label": "分工", "type": "text"}]},
        {"key": "sample", "label": "作品样本", "type": "file", "extensions": ["pdf", "zip", "jpg", "png"],
         "max_size": 20971520}]},
], "rules": []}

RUBRIC_TALENT = [
    {"key": "innovation", "label": "创新性", "weight": 0.4, "max": 100, "guidance": "研究的原创性与前沿性"},
    {"key": "achievement", "label": "学术成绩", "weight": 0.35, "max": 100, "guidance": "代表性成果的水平与影响"},
    {"key": "potential", "label": "发展潜力", "weight": 0.25, "max": 100, "guidance": "成长空间与培养价值"},
]
RUBRIC_POPSCI = [
    {"key": "science", "label": "科学性", "weight": 0.4, "max": 100, "guidance": "内容准确、无知识性错误"},
    {"key": "art", "label": "艺术性与可读性", "weight": 0.3, "max": 100, "guidance": "表现形式与通俗程度"},
    {"key": "impact", "label": "传播效果", "weight": 0.3, "max": 100, "guidance": "覆盖人群与社会反响"},
]
CATEGORIES = ["科普图书", "科普视频", "科普动漫", "科普文章", "科普展品"]
WORK_TOPICS = ["身边的", "走近", "图说", "漫话", "揭秘", "一本书读懂"]
RETURN_REASON = "附件不清晰或无效"
LIBRARY_NAME = "省科协评审专家库"


def _stages(today: dt.date, codes: list[str], start: int) -> list[dict[str, str]]:
    """Deadlines every 20 days from ``today + start``; 结果 without a deadline."""
    out = []
    for i, code in enumerate(codes):
        day = today + dt.timedelta(days=start + 20 * i)
        out.append({"code": code, "deadline": "" if code == "result" else day.isoformat()})
    return out


def _codes(person_ids: list[int]) -> dict[int, str]:
    codes: dict[int, str] = {}
    for pid, code in PersonDiscipline.objects.filter(person_id__in=person_ids).order_by(
            "person_id", "-is_primary", "discipline__code").values_list("person_id", "discipline__code"):
        codes.setdefault(pid, code)
    return codes


def seed_calls(gen: Any, log: Any = print) -> dict[str, int]:
    root: Organisation = gen.root
    today: dt.date = gen.today
    year = today.year
    rng = random.Random(f"calls-{gen.seed}")
    out: dict[str, int] = {}
    with transaction.atomic():
        out["experts"] = _library(root, rng, today)
        lib = ExpertLibrary.objects.get(owner=root, name=LIBRARY_NAME)
        out["talent"] = _talent(root, rng, today, year, lib)
        out["popsci"] = _popsci(root, rng, today, year, lib)
        out["projects"] = _topics(root, rng, today, year - 1, lib)
        _subscribe_scientist()
        out["papers"] = _papers(root, rng, today, year, lib)
        out["think_tank"] = _think_tank(root, rng, today, year, lib)
    log(f"  申报评审：专家 {out['experts']} 位，托举工程申报 {out['talent']} 份，科普作品申报 {out['popsci']} 份，"
        f"上年度立项课题 {out['projects']} 项，开放申报的论文遴选 {out['papers']} 份，评审中的智库课题 "
        f"{out['think_tank']} 份")
    return out


def _subscribe_scientist() -> None:
    """demo-scientist subscribes to 申报通知 in their own disciplines before this year's calls open, so the open
    calls (province-wide, every discipline: subscribers only) reach them as notices."""
    from kexie.calls.subscriptions import save_subscription

    user = User.objects.filter(username="demo-scientist").first()
    person = Person.objects.filter(user=user).first() if user is not None else None
    if person is not None:
        save_subscription(user, active=True, disciplines=list(person.disciplines.all()), region=None)


def _library(root: Organisation, rng: random.Random, today: dt.date) -> int:
    lib = expert_services.create_library(SYSTEM, owner=root, name=LIBRARY_NAME,
                                  description="从全省科技工作者登记信息中遴选的高级职称专家，用于各类申报评审。")
    pool = list(Person.objects.filter(deleted_at__isnull=True, title_level__in=["senior", "vice_senior"])
                .exclude(expertise=[]).order_by("pk").values_list("pk", flat=True)[:2000])
    chosen = sorted(rng.sample(pool, min(50, len(pool))))
    expert_services.add_experts(SYSTEM, lib, list(Person.objects.filter(pk__in=chosen).order_by("pk")), max_per_call=15)
    for i, expert in enumerate(lib.experts.order_by("pk")):
        expert.past_reviews = rng.randint(0, 60)
        if i % 9 == 4:
            expert.available = False
            expert.unavailable_until = today + dt.timedelta(days=120)
            expert.note = "出国访问"
        expert.save()
    return len(chosen)


def _talent(root: Organisation, rng: random.Random, today: dt.date, year: int, lib: ExpertLibrary) -> int:
    codes = ["apply", "nominate", "formal", "review_corr", "review_meeting", "notice", "result"]
    call = setup_services.create_call(
        SYSTEM, owner=root, code=f"talent-{year}", name=f"{year}年度青年人才托举工程", year=year, type="talent",
        applicant_kind="person",
        description="每年遴选 100 名 35 岁以下优秀青年科技工作者，连续 3 年给予培养经费支持。由省级学会和市科协推荐。",
        eligibility=[{"rule": "age", "on": f"{year}-12-31", "max": 35}, {"rule": "membership", "society": None},
                     {"rule": "previous", "years": 3, "types": ["talent"], "statuses": ["approved"]}],
        form_schema=TALENT_FORM, stages=_stages(today, codes, 10), rubric=RUBRIC_TALENT, reviews_per_application=5,
        blind=True, funds=True, funding_per_item=15, funding_total=1500, places=100, expert_library=lib)
    setup_services.open_call(SYSTEM, call)
    young = dt.date(year - 35, 1, 1)
    members = list(Membership.objects.filter(deleted_at__isnull=True, status__in=eligibility.GOOD_STANDING,
                                             person__birth_date__gte=young, person__deleted_at__isnull=True,
                                             society__depth=2).order_by("person_id", "society_id")
                   .values_list("person_id", "society_id"))
    society_of: dict[int, int] = {}
    for pid, sid in members:
        society_of.setdefault(pid, sid)
    people = sorted(rng.sample(sorted(society_of), min(36, len(society_of))))
    societies = sorted({society_of[p] for p in people})
    quota_orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=societies)}
    demo_society = Organisation.objects.filter(assignments__user__username="demo-society").first()
    if demo_society is not None:  # demo-society holds places too: its staff get the call's opening notice
        quota_orgs.setdefault(demo_society.pk, demo_society)
    cities = list(Organisation.objects.filter(depth=2, kind__code="kx").order_by("path"))
    setup_services.set_quotas(SYSTEM, call, {**{o: 2 for o in quota_orgs.values()}, **{c: 3 for c in cities}})
    codes_of = _codes(people)
    apps = []
    for i, person in enumerate(Person.objects.filter(pk__in=people).order_by("pk")):
        city = next((c for c in cities if person.org_path.startswith(c.path)), None)
        nominator = city if (i % 4 == 3 and city is not None) else quota_orgs[society_of[person.pk]]
        words = list(person.expertise or [])[:4] or ["交叉学科"]
        app = app_services.start_application(SYSTEM, call, person=person, nominator=nominator,
                                         title=f"{person.name}：{words[0]}方向青年人才托举")
        data = {"direction": words[0], "discipline": codes_of.get(person.pk, "")[:5] or "410",
                "keywords": "、".join(words),
                "summary": f"长期从事{words[0]}研究，在{'、'.join(words[1:3]) or words[0]}方面取得创新性成果，"
                           f"主持省部级项目{rng.randint(1, 4)}项。",
                "papers": [{"title": f"{w}若干关键问题研究", "venue": rng.choice(["中国科学", "科学通报", "自然科学进展"]),
                            "year": year - rng.randint(0, 4)} for w in words[:rng.randint(1, 3)]]}
        if i % 9 == 8:
            app_services.save_draft(SYSTEM, app, {k: v for k, v in data.items() if k != "papers"})
            continue
        apps.append(app_services.submit(SYSTEM, app, data))
    call = setup_services.advance_stage(SYSTEM, Call.objects.get(pk=call.pk))
    used: dict[int, int] = {}
    declined = False
    for app in apps:
        assert app.nominator is not None
        places = 3 if app.nominator.depth == 2 and app.nominator in cities else 2
        if not declined and used.get(app.nominator_id or 0, 0) == 0 and rng.random() < 0.2:
            app_services.decline(SYSTEM, app, "申报材料中代表性成果与研究方向关联不够紧密，本单位不予推荐。")
            declined = True
            continue
        if used.get(app.nominator_id or 0, 0) < places - (1 if rng.random() < 0.3 else 0):
            app_services.nominate(SYSTEM, app, "经本单位评议，同意推荐。")
            used[app.nominator_id or 0] = used.get(app.nominator_id or 0, 0) + 1
    # The 申报 stage has ended: its deadline lies in the past.
    stages = _stages(today, codes, -25)
    stages[1]["deadline"] = (today + dt.timedelta(days=12)).isoformat()
    for s in stages[2:]:
        if s["deadline"]:
            s["deadline"] = (dt.date.fromisoformat(s["deadline"]) + dt.timedelta(days=40)).isoformat()
    setup_services.edit_call(SYSTEM, call, stages=stages)
    return len(people)


def _popsci(root: Organisation, rng: random.Random, today: dt.date, year: int, lib: ExpertLibrary) -> int:
    codes = ["apply", "formal", "review_corr", "review_meeting", "notice", "result"]
    call = setup_services.create_call(
        SYSTEM, owner=root, code=f"popsci-{year}", name=f"{year}年度优秀科普作品评选", year=year, type="popsci",
        applicant_kind="person",
        description="每年评选 100 部优秀科普作品，涵盖图书、视频、动漫、文章和展品，面向公众征集。",
        eligibility=[], form_schema=POPSCI_FORM, stages=_stages(today, codes, 10), rubric=RUBRIC_POPSCI,
        reviews_per_application=3, funds=True, funding_per_item=2, places=100, expert_library=lib)
    setup_services.open_call(SYSTEM, call)
    pool = list(Person.objects.filter(deleted_at__isnull=True).exclude(expertise=[]).order_by("pk")
                .values_list("pk", flat=True)[:5000])
    chosen = sorted(rng.sample(pool, min(24, len(pool))))
    codes_of = _codes(chosen)
    apps = []
    drafts = []
    for i, person in enumerate(Person.objects.filter(pk__in=chosen).order_by("pk")):
        word = (person.expertise or ["科学"])[0]
        category = CATEGORIES[i % len(CATEGORIES)]
        app = app_services.start_application(SYSTEM, call, person=person, title=f"《{rng.choice(WORK_TOPICS)}{word}》")
        data = {"category": category, "published_on": (today - dt.timedelta(days=rng.randint(60, 700))).isoformat(),
                "discipline": codes_of.get(person.pk, "")[:5], "keywords": "、".join((person.expertise or [])[:3]),
                "audience": rng.choice(["青少年", "农民", "产业工人", "老年人", "社会公众"]),
                "summary": f"以通俗易懂的{category[2:]}形式介绍{word}的基本原理与生活应用。",
                "reach": rng.randint(2000, 900000), "authors": [{"name": person.name, "role": "主创"}]}
        if i % 8 == 7:
            drafts.append(app_services.save_draft(SYSTEM, app, data))
            continue
        apps.append(app_services.submit(SYSTEM, app, data))
    call = setup_services.advance_stage(SYSTEM, Call.objects.get(pk=call.pk))
    for i, app in enumerate(apps):
        if i % 3 == 0:
            continue  # waiting for the formal check
        if i == 1:
            app_services.formal_check(SYSTEM, app, "return", [RETURN_REASON], "作品样本无法打开，请重新上传。")
        elif i == 2:
            app_services.formal_check(SYSTEM, app, "fail", ["不符合申报条件"], "作品首次发表时间超出征集范围。")
        else:
            app_services.formal_check(SYSTEM, app, "pass")
    # A draft never submitted by the 申报 deadline, closed by the call's staff with the reason (decision 0039);
    # the other drafts and the returned work wait on the 形式审查 page and the application list's batch check.
    if drafts:
        app_services.close_application(SYSTEM, drafts[0], "申报截止后仍未提交，按征集通知予以关闭。")
    stages = _stages(today, codes, -15)
    setup_services.edit_call(SYSTEM, call, stages=stages)
    return len(chosen)


TOPIC_FORM = {"sections": [
    {"key": "plan", "title": "研究方案", "fields": [
        {"key": "discipline", "label": "学科代码", "type": "text", "required": True},
        {"key": "keywords", "label": "关键词", "type": "text", "required": True},
        {"key": "summary", "label": "研究内容与预期成果", "type": "text", "required": True, "multiline": True},
        {"key": "budget", "label": "申请经费", "type": "number", "unit": "万元", "min": 0, "max": 50, "decimals": 2}]},
], "rules": []}
RUBRIC_TOPIC = [
    {"key": "value", "label": "选题价值", "weight": 0.4, "max": 100, "guidance": "对学科发展和决策咨询的意义"},
    {"key": "feasibility", "label": "研究可行性", "weight": 0.35, "max": 100, "guidance": "方案、团队与条件"},
    {"key": "output", "label": "预期成果", "weight": 0.25, "max": 100, "guidance": "成果形式与应用前景"},
]
TOPIC_STEMS = ["发展现状与对策研究", "关键技术路线研究", "产业化路径研究", "人才队伍建设研究", "标准体系研究"]


def _future_stages(today: dt.date, codes: list[str]) -> list[dict[str, str]]:
    """Deadlines a few days apart from today on: the stages a seeded call runs through today."""
    return [{"code": c, "deadline": "" if c == "result" else (today + dt.timedelta(days=5 * (i + 1))).isoformat()}
            for i, c in enumerate(codes)]


def _topic_data(person: Person, codes_of: dict[int, str]) -> dict[str, Any]:
    word = (person.expertise or ["科技创新"])[0]
    return {"discipline": codes_of.get(person.pk, "")[:3] or "630", "keywords": "、".join((person.expertise or [word])[:3]),
            "summary": f"围绕{word}开展调查研究，形成研究报告和政策建议。", "budget": 10}


def _apply_and_review(call: Call, people: list[Person], titles: list[str], codes_of: dict[int, str],
                      rng: random.Random) -> list[Any]:
    """Applications submitted, formally checked and sent to review; reviewers assigned by the service."""
    from kexie.calls.review import services as review

    apps = []
    for person, title in zip(people, titles, strict=True):
        app = app_services.start_application(SYSTEM, call, person=person, title=title)
        apps.append(app_services.submit(SYSTEM, app, _topic_data(person, codes_of)))
    call = setup_services.advance_stage(SYSTEM, Call.objects.get(pk=call.pk))  # → 形式审查
    for app in apps:
        app_services.formal_check(SYSTEM, app, "pass")
    setup_services.advance_stage(SYSTEM, Call.objects.get(pk=call.pk))  # → 通讯评审
    review.run_assignment(SYSTEM, Call.objects.get(pk=call.pk), seed=rng.randint(1, 10_000))
    return apps


REVIEW_COMMENTS = {
    "recommend": "选题紧扣学科发展和决策需求，研究方案可行，团队基础扎实，建议资助。",
    "conditional": "选题有一定价值，但研究内容偏宽，建议聚焦关键问题、细化技术路线后考虑资助。",
    "reject": "研究目标不够明确，前期基础和可行性论证不足，暂不建议资助。",
}


def _submit_reviews(assignments: list[Any], rubric: list[dict[str, Any]], quality: dict[int, float],
                    rng: random.Random) -> int:
    """Each assignment reviewed by its expert (the system records it): the application's quality, the
    reviewer's severity and some noise, per criterion."""
    from kexie.calls.review import services as review

    severity: dict[int, float] = {}
    for a in assignments:
        bias = severity.setdefault(a.expert_id, rng.uniform(-8, 6))
        scores = {str(c["key"]): str(max(30, min(98, round(quality[a.application_id] + bias + rng.uniform(-6, 6)))))
                  for c in rubric}
        mean = sum(float(v) for v in scores.values()) / len(scores)
        rec = "recommend" if mean >= 80 else "conditional" if mean >= 68 else "reject"
        review.save_review(SYSTEM, a, scores=scores, comment=REVIEW_COMMENTS[rec], recommendation=rec, submit=True)
    return len(assignments)


def _topics(root: Organisation, rng: random.Random, today: dt.date, year: int, lib: ExpertLibrary) -> int:
    """Last year's 学会研究课题, finished: applied, checked, reviewed, publicised and published through the
    services, its dates then moved into the past; approved topics followed as projects (立项 → 中期检查 → 结题)."""
    from django.utils import timezone

    from kexie.calls.models import Application, ApplicationEvent, ProjectReport, Review, ReviewAssignment
    from kexie.calls.projects import services as projects
    from kexie.calls.review import publication

    published = today - dt.timedelta(days=245)
    codes = ["apply", "formal", "review_corr", "notice", "result"]
    call = setup_services.create_call(
        SYSTEM, owner=root, code=f"topic-{year}", name=f"{year}年度学会研究课题", year=year, type="topic",
        applicant_kind="person", description="面向省级学会和科技工作者征集研究课题，资助开展学科发展与决策咨询研究。",
        eligibility=[], form_schema=TOPIC_FORM, stages=_future_stages(today, codes), rubric=RUBRIC_TOPIC,
        reviews_per_application=3, funds=True, funding_per_item=10, funding_total=150, places=15,
        tracks_projects=True, project_months=12, midterm_month=6, expert_library=lib)
    setup_services.open_call(SYSTEM, call)
    pool = list(Person.objects.filter(deleted_at__isnull=True, title_level__in=["senior", "vice_senior"])
                .exclude(expertise=[]).exclude(user__isnull=False).order_by("-pk").values_list("pk", flat=True)[:3000])
    chosen = sorted(rng.sample(pool, min(22, len(pool))))
    codes_of = _codes(chosen)
    people = list(Person.objects.filter(pk__in=chosen).order_by("pk"))
    titles = [f"{(p.expertise or ['科技创新'])[0]}{TOPIC_STEMS[i % 5]}" for i, p in enumerate(people)]
    apps = _apply_and_review(call, people, titles, codes_of, rng)
    quality = {a.pk: rng.uniform(55, 92) for a in apps}
    assignments = list(ReviewAssignment.objects.filter(call=call).order_by("pk"))
    _submit_reviews(assignments, RUBRIC_TOPIC, quality, rng)
    call = setup_services.advance_stage(SYSTEM, Call.objects.get(pk=call.pk))  # → 公示
    results = publication.compute_results(call)
    ranked = sorted((r["rank"], a.pk) for a, r in zip(results.applications, results.rows, strict=True)
                    if r["rank"] is not None)
    call = publication.publish_notice(SYSTEM, call, [pk for _rank, pk in ranked[:15]])
    # The notice period has run: the calendar of the whole call moves back to last year from here on.
    Call.objects.filter(pk=call.pk).update(notice_ends=today - dt.timedelta(days=1))
    setup_services.advance_stage(SYSTEM, Call.objects.get(pk=call.pk))  # → 结果
    publication.finalise(SYSTEM, Call.objects.get(pk=call.pk))
    now = timezone.now()
    back = dt.timedelta(days=245 + 60)
    stages = [{"code": c, "deadline": "" if c == "result" else (published - dt.timedelta(days=20 * (4 - i))).isoformat()}
              for i, c in enumerate(codes)]
    Call.objects.filter(pk=call.pk).update(
        stages=stages, status="closed", results_published_at=now - dt.timedelta(days=245),
        notice_starts=published - dt.timedelta(days=14), notice_ends=published - dt.timedelta(days=8))
    Application.objects.filter(call=call).update(submitted_at=now - dt.timedelta(days=330))
    Review.objects.filter(call=call).update(submitted_at=now - back)
    ReviewAssignment.objects.filter(call=call).update(created_at=now - back - dt.timedelta(days=10))
    ApplicationEvent.objects.filter(application__call=call).update(at=now - back)
    projects.establish(SYSTEM, Call.objects.get(pk=call.pk), starts=published)
    mids = list(ProjectReport.objects.filter(project__call=call, kind="midterm").select_related("project")
                .order_by("project__code"))
    for i, report in enumerate(mids):
        if i % 7 == 6:
            continue  # overdue: not yet submitted
        data = {"progress": "已完成文献梳理和实地调研，形成调研报告初稿。", "plan": "完善政策建议，形成结题报告。",
                "papers": rng.randint(0, 3), "advisory_reports": rng.randint(0, 2), "spent": rng.randint(30, 60) / 10}
        projects.submit_report(SYSTEM, report, data)
        if i % 7 == 5:
            continue  # awaiting review
        if i % 7 == 4:
            projects.judge_report(SYSTEM, report, "return", "请补充经费支出明细和调研样本说明。")
        else:
            projects.judge_report(SYSTEM, report, "pass", "进展符合计划。")
    return len(mids)


PAPER_FORM = {"sections": [
    {"key": "paper", "title": "论文信息", "fields": [
        {"key": "journal", "label": "发表期刊", "type": "text", "required": True},
        {"key": "published_on", "label": "发表日期", "type": "date", "required": True},
        {"key": "discipline", "label": "学科代码", "type": "text", "required": True,
         "help": "GB/T 13745 学科代码，如 520（计算机科学技术）"},
        {"key": "keywords", "label": "关键词", "type": "text", "required": True, "help": "3-5 个，用顿号分隔"},
        {"key": "summary", "label": "主要创新点", "type": "text", "required": True, "multiline": True,
         "max_length": 1500},
        {"key": "authors", "label": "作者", "type": "table", "max_rows": 10, "required": True, "columns": [
            {"key": "name", "label": "姓名", "type": "text", "required": True},
            {"key": "unit", "label": "单位", "type": "text"}]},
        {"key": "copy", "label": "论文全文", "type": "file", "extensions": ["pdf"], "max_size": 10485760}]},
], "rules": []}
RUBRIC_PAPER = [
    {"key": "novelty", "label": "创新性", "weight": 0.4, "max": 100, "guidance": "学术思想与方法的原创性"},
    {"key": "rigour", "label": "科学性", "weight": 0.3, "max": 100, "guidance": "论证严谨、数据可靠"},
    {"key": "impact", "label": "学术影响", "weight": 0.3, "max": 100, "guidance": "引用、转载与应用情况"},
]
JOURNALS = ["中国科学", "科学通报", "自然科学进展", "江淮大学学报（自然科学版）", "中华医学杂志", "农业工程学报"]


def _papers(root: Organisation, rng: random.Random, today: dt.date, year: int, lib: ExpertLibrary) -> int:
    """This year's 优秀科技论文遴选, open for applications from every scientist of the province (demo-scientist
    included: checked here); a few applications submitted, two drafts."""
    codes = ["apply", "formal", "review_corr", "notice", "result"]
    call = setup_services.create_call(
        SYSTEM, owner=root, code=f"paper-{year}", name=f"{year}年度全省优秀科技论文遴选", year=year, type="award",
        applicant_kind="person",
        description="面向全省科技工作者征集近两年公开发表的优秀学术论文，经专家评审遴选 100 篇，颁发证书并择优推荐。",
        eligibility=[{"rule": "region", "orgs": [root.pk]}], form_schema=PAPER_FORM,
        stages=_stages(today, codes, 30), rubric=RUBRIC_PAPER, reviews_per_application=3, blind=True,
        places=100, expert_library=lib)
    setup_services.open_call(SYSTEM, call)
    scientist = Person.objects.filter(user__username="demo-scientist").first()
    if scientist is not None and not eligibility.evaluate(call, person=scientist).ok:
        raise RuntimeError("demo-scientist is not eligible for the open demo call")
    pool = list(Person.objects.filter(deleted_at__isnull=True, user__isnull=True).exclude(expertise=[])
                .order_by("pk").values_list("pk", flat=True)[:4000])
    chosen = sorted(rng.sample(pool, min(8, len(pool))))
    codes_of = _codes(chosen)
    for i, person in enumerate(Person.objects.filter(pk__in=chosen).order_by("pk")):
        words = list(person.expertise or ["科学"])[:3]
        app = app_services.start_application(SYSTEM, call, person=person, title=f"{words[0]}的若干关键问题研究")
        data = {"journal": rng.choice(JOURNALS),
                "published_on": (today - dt.timedelta(days=rng.randint(40, 700))).isoformat(),
                "discipline": codes_of.get(person.pk, "")[:5] or "410", "keywords": "、".join(words),
                "summary": f"提出了{words[0]}的新方法，并在{words[-1]}中得到验证。",
                "authors": [{"name": person.name, "unit": person.employer_name}]}
        if i % 4 == 3:
            app_services.save_draft(SYSTEM, app, {k: v for k, v in data.items() if k != "authors"})
            continue
        app_services.submit(SYSTEM, app, data)
    return len(chosen)


def _think_tank(root: Organisation, rng: random.Random, today: dt.date, year: int, lib: ExpertLibrary) -> int:
    """This year's 科技创新智库课题 in 通讯评审 (blind): applications checked and assigned by the service, about
    half of the reviews submitted. ``demo-expert`` is linked to the library expert with the most open review
    tasks here; theirs stay open."""
    from kexie.calls.models import ReviewAssignment

    codes = ["apply", "formal", "review_corr", "notice", "result"]
    call = setup_services.create_call(
        SYSTEM, owner=root, code=f"think-tank-{year}", name=f"{year}年度科技创新智库课题", year=year, type="topic",
        applicant_kind="person", description="围绕全省科技创新和产业发展中的重大问题，资助开展对策研究，形成决策咨询报告。",
        eligibility=[], form_schema=TOPIC_FORM, stages=_future_stages(today, codes), rubric=RUBRIC_TOPIC,
        reviews_per_application=3, blind=True, funds=True, funding_per_item=8, places=6, expert_library=lib)
    setup_services.open_call(SYSTEM, call)
    experts = set(lib.experts.values_list("person_id", flat=True))
    pool = [pk for pk in Person.objects.filter(deleted_at__isnull=True, user__isnull=True).exclude(expertise=[])
            .order_by("pk").values_list("pk", flat=True)[:4000] if pk not in experts]
    chosen = sorted(rng.sample(pool, min(10, len(pool))))
    codes_of = _codes(chosen)
    people = list(Person.objects.filter(pk__in=chosen).order_by("pk"))
    titles = [f"{(p.expertise or ['科技创新'])[0]}与产业发展对策研究" for p in people]
    apps = _apply_and_review(call, people, titles, codes_of, rng)
    assignments = list(ReviewAssignment.objects.filter(call=call).select_related("expert").order_by("pk"))
    load: dict[int, int] = {}
    for a in assignments:
        if a.expert.user_id is None:
            load[a.expert_id] = load.get(a.expert_id, 0) + 1
    reviewer = max(sorted(load), key=lambda pid: load[pid])
    user = User.objects.filter(username="demo-expert").first()
    if user is not None:
        Person.objects.filter(pk=reviewer).update(user=user)
    others = [a for a in assignments if a.expert_id != reviewer]
    quality = {a.pk: rng.uniform(55, 92) for a in apps}
    _submit_reviews(others[: len(others) // 2], RUBRIC_TOPIC, quality, rng)
    # 申报 and 形式审查 are over: their deadlines lie in the past; the review runs for two more weeks.
    stages = [{"code": c, "deadline": "" if c == "result" else (today + dt.timedelta(days=14 * i - 30)).isoformat()}
              for i, c in enumerate(codes)]
    stages[2]["deadline"] = (today + dt.timedelta(days=14)).isoformat()
    stages[3]["deadline"] = (today + dt.timedelta(days=30)).isoformat()
    setup_services.edit_call(SYSTEM, Call.objects.get(pk=call.pk), stages=stages)
    if user is not None:  # demo-expert's review tasks arrived as a notice, as the assignment sends one
        from kexie.calls.review.services import tell_assigned

        tell_assigned(Call.objects.get(pk=call.pk), {reviewer})
    return len(apps)
