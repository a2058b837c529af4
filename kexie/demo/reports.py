"""Demo reporting data for ``kexie seed``: the shipped presets (owned by the province association) and
last year's two annual campaigns — the society annual report to every province-level society and the
county association annual report to every county-level 科协 — with deterministic, realistic figures; and this
year's society annual report, open, with every submission not yet started.

Societies are strong, average or weak (by their evaluation grade, with some chance), which scales their
events, journals, services and finances; members come from the registry with a little noise. About 80%
of the filers are accepted, some wait for review, a couple were returned with a comment, a few are
drafts and a few never started (late or missing filers)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from kexie.accounts.models import User
from kexie.core.services import SYSTEM
from kexie.formkit import schema as S
from kexie.orgs.models import Level, Organisation
from kexie.reports import presets, registry, services
from kexie.reports.figures import all_figures
from kexie.reports.models import EventAction, Submission, SubmissionEvent, SubmissionStatus, SubmissionValue

STRENGTH = {"strong": 2.2, "average": 1.0, "weak": 0.35}
RETURN_COMMENTS = [
    "会员数与登记数据差异较大，请核实后重新提交。",
    "财务数据不完整：请补充会费收入和政府购买服务收入，并上传年度财务报告。",
    "科普活动次数与受众人次明显不匹配，请核对。",
]
EVENT_WORDS = ["学术年会", "青年科学家论坛", "前沿技术研讨会", "学科发展战略研讨会", "产学研对接会", "国际学术交流会",
               "专题培训班", "创新发展论坛"]


def _strength(rng: random.Random, grade: str) -> str:
    weights = {"5A": (70, 25, 5), "4A": (40, 50, 10), "3A": (15, 65, 20)}.get(grade, (5, 50, 45))
    return rng.choices(list(STRENGTH), weights=weights)[0]


def _n(rng: random.Random, base: float, factor: float, spread: float = 0.35) -> int:
    return max(0, int(round(base * factor * rng.uniform(1 - spread, 1 + spread))))


def _money(rng: random.Random, base: float, factor: float) -> float:
    return round(base * factor * rng.uniform(0.7, 1.3), 2)


def society_data(rng: random.Random, org: Organisation, reg: dict[str, float], year: int) -> dict[str, Any]:
    strength = _strength(rng, org.grade)
    f = STRENGTH[strength]
    individual = int(reg.get("individual_members", 0) * rng.uniform(1.0, 1.12)) + rng.randint(0, 3)
    senior = int(individual * rng.uniform(0.08, 0.2))
    student = int(individual * rng.uniform(0.05, 0.25))
    events = []
    for _i in range(_n(rng, 4, f, 0.5)):
        month = rng.randint(3, 12)
        events.append({
            "name": f"{org.name}{year}年{rng.choice(EVENT_WORDS)}"[:200],
            "held_on": dt.date(year, month, rng.randint(1, 28)).isoformat(),
            "level": rng.choices(["国际", "全国", "省级", "市级及以下"], weights=(1 * f, 3 * f, 6, 3))[0],
            "participants": _n(rng, 180, f),
            "papers": _n(rng, 30, f) if rng.random() < 0.8 else 0,
        })
    journals = rng.choices([0, 1, 2, 3], weights=(40 / f, 35, 15 * f, 5 * f))[0]
    income = _money(rng, 120, f)
    dues = round(income * rng.uniform(0.05, 0.3), 2)
    gov = round(income * rng.uniform(0.0, 0.4), 2)
    data: dict[str, Any] = {
        "individual_members": individual, "senior_members": senior, "student_members": student,
        "new_members": int(individual * rng.uniform(0.03, 0.12)), "group_members": int(reg.get("group_members", 0)),
        "branches": int(reg.get("branches", 0)), "staff_fulltime": _n(rng, 5, f),
        "secretary_fulltime": "是" if rng.random() < 0.35 + 0.25 * f else "否",
        "academic_events": events, "journals": journals, "core_journals": min(journals, rng.randint(0, 1 + (f > 1))),
        "popsci_events": _n(rng, 25, f), "popsci_audience": _n(rng, 12000, f),
        "enterprises_served": _n(rng, 14, f), "tech_projects": _n(rng, 6, f), "trainings": _n(rng, 900, f),
        "group_standards": _n(rng, 2, f, 0.8), "gov_functions": _n(rng, 3, f, 0.6),
        "decision_reports": _n(rng, 4, f, 0.6), "awards_recommended": _n(rng, 3, f, 0.6),
        "income_total": income, "dues_income": dues, "gov_purchase_income": gov,
        "expense_total": round(income * rng.uniform(0.8, 1.05), 2),
    }
    if rng.random() < 0.3:
        data["remarks"] = {"strong": "本年度学术活动和服务企业工作成效显著。", "average": "各项工作有序开展。",
                           "weak": "专职人员不足，部分工作未能按计划开展。"}[strength]
    return data


def county_data(rng: random.Random, org: Organisation, reg: dict[str, float]) -> dict[str, Any]:
    f = rng.choice([0.6, 1.0, 1.0, 1.5])
    township = int(reg.get("township_associations", 0))
    budget = _money(rng, 80, f)
    return {
        "township_associations": township, "townships_total": township + rng.choice([0, 0, 1, 2, 3]),
        "agri_associations": int(reg.get("agri_associations", 0)),
        "enterprise_associations": int(reg.get("enterprise_associations", 0)),
        "four_heads": _n(rng, 60, f), "staff_posts": rng.randint(4, 9), "staff_actual": rng.randint(3, 9),
        "budget": budget, "popsci_budget": round(budget * rng.uniform(0.2, 0.6), 2),
        "popsci_events": _n(rng, 40, f), "popsci_audience": _n(rng, 30000, f), "volunteers": _n(rng, 800, f),
        "volunteer_activities": _n(rng, 50, f), "popsci_bases": _n(rng, 5, f), "academic_events": _n(rng, 6, f),
        "enterprises_served": _n(rng, 20, f), "decision_reports": _n(rng, 5, f),
        "literacy_rate": round(rng.uniform(7.5, 16.5), 2),
    }


def _partial(rng: random.Random, data: dict[str, Any]) -> dict[str, Any]:
    keys = list(data)
    return {k: data[k] for k in keys[: rng.randint(3, max(3, len(keys) // 2))]}


def _fill(campaign: Any, rng: random.Random, make: Any, reviewer: User | None) -> dict[str, int]:
    schema = campaign.version.schema
    subs = list(Submission.objects.filter(campaign=campaign).select_related("organisation").order_by("org_path"))
    metrics = sorted({f["prefill"] for f in S.fields(schema) if f.get("prefill")})
    reg = registry.values(metrics, [s.organisation for s in subs])
    order = list(range(len(subs)))
    rng.shuffle(order)
    n = len(subs)
    missing, drafts, returned, waiting = max(1, n // 20), max(1, n // 20), min(2, max(1, n // 15)), max(1, n // 15)
    plan: dict[int, str] = {}
    for i, idx in enumerate(order):
        plan[idx] = (SubmissionStatus.NOT_STARTED if i < missing else SubmissionStatus.DRAFT if i < missing + drafts
                     else SubmissionStatus.RETURNED if i < missing + drafts + returned
                     else SubmissionStatus.SUBMITTED if i < missing + drafts + returned + waiting
                     else SubmissionStatus.ACCEPTED)
    tz = timezone.get_current_timezone()
    events: list[tuple[SubmissionEvent, dt.datetime]] = []
    values: list[SubmissionValue] = []
    counts: dict[str, int] = {}
    for idx, sub in enumerate(subs):
        status = plan[idx]
        data = make(rng, sub.organisation, reg.get(sub.organisation_id, {}))
        checked = S.clean(schema, data, submit=True)
        if not checked.ok:  # the generator keeps to the rules; a slip must not seed invalid data
            raise RuntimeError(f"demo report data fails its form: {checked.messages()}")
        data = checked.data
        late = status in (SubmissionStatus.NOT_STARTED, SubmissionStatus.DRAFT) or rng.random() < 0.15
        span = max(1, (campaign.deadline - campaign.opens_on).days)
        day = campaign.opens_on + dt.timedelta(days=rng.randint(span // 4, span + (12 if late else -1)))
        submitted = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)), tz)
        reviewed = submitted + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 5))
        sub.status = status
        if status == SubmissionStatus.NOT_STARTED:
            sub.data = {}
        elif status == SubmissionStatus.DRAFT:
            sub.data = _partial(rng, data)
        else:
            sub.data, sub.revision = data, 1
            sub.submitted_at = submitted
            events.append((SubmissionEvent(submission=sub, action=EventAction.SUBMITTED, data=data,
                                           org_path=sub.org_path), submitted))
            if status == SubmissionStatus.RETURNED:
                sub.comment = rng.choice(RETURN_COMMENTS)
                sub.reviewed_at, sub.reviewed_by = reviewed, reviewer
                events.append((SubmissionEvent(submission=sub, action=EventAction.RETURNED, actor=reviewer,
                                               comment=sub.comment, data=data, org_path=sub.org_path), reviewed))
            elif status == SubmissionStatus.ACCEPTED:
                if rng.random() < 0.12:  # returned once, corrected and accepted on the second submission
                    sub.revision = 2
                    first = dict(data, individual_members=data.get("individual_members", 0) + 1) \
                        if "individual_members" in data else data
                    events.append((SubmissionEvent(submission=sub, action=EventAction.RETURNED, actor=reviewer,
                                                   comment=rng.choice(RETURN_COMMENTS), data=first,
                                                   org_path=sub.org_path), reviewed))
                    submitted = reviewed + dt.timedelta(days=rng.randint(1, 5))
                    reviewed = submitted + dt.timedelta(days=rng.randint(1, 4))
                    sub.submitted_at = submitted
                    events[-2] = (SubmissionEvent(submission=sub, action=EventAction.SUBMITTED, data=first,
                                                  org_path=sub.org_path), events[-2][1])
                    events.append((SubmissionEvent(submission=sub, action=EventAction.SUBMITTED, data=data,
                                                   org_path=sub.org_path), submitted))
                sub.reviewed_at, sub.reviewed_by = reviewed, reviewer
                events.append((SubmissionEvent(submission=sub, action=EventAction.ACCEPTED, actor=reviewer,
                                               data=data, org_path=sub.org_path), reviewed))
            if status in services.DONE:
                values += [SubmissionValue(campaign_id=campaign.pk, submission=sub, org_path=sub.org_path, key=k,
                                           value=v) for k, v in all_figures(data).items()]
        counts[status] = counts.get(status, 0) + 1
    Submission.objects.bulk_update(subs, ["status", "data", "revision", "submitted_at", "reviewed_at",
                                          "reviewed_by", "comment"], batch_size=500)
    created = SubmissionEvent.objects.bulk_create([e for e, _ in events], batch_size=500)
    by_time: dict[dt.datetime, list[int]] = {}
    for event, (_e, at) in zip(created, events, strict=True):
        by_time.setdefault(at, []).append(event.pk)
    for at, pks in by_time.items():  # auto_now_add stamped them now; the history is last spring's
        SubmissionEvent.objects.filter(pk__in=pks).update(at=at)
    SubmissionValue.objects.bulk_create(values, batch_size=2000)
    return counts


def seed_reports(gen: Any, log: Any = print) -> dict[str, int]:
    root: Organisation = gen.root
    today: dt.date = gen.today
    year = today.year - 1
    rng = random.Random(f"reports-{gen.seed}")
    reviewer = User.objects.filter(username="demo-province").first()
    deadline = dt.date(today.year, 3, 31)
    if deadline >= today:
        deadline = today - dt.timedelta(days=7)
    opens_on = min(dt.date(today.year, 1, 10), deadline - dt.timedelta(days=45))
    out: dict[str, int] = {}
    with transaction.atomic():
        society = presets.install("society_annual", root)
        county = presets.install("county_annual", root)
        c1 = services.create_campaign(SYSTEM, version=society, name=f"{year}年度学会年报", year=year, root=root,
                                      opens_on=opens_on, deadline=deadline, kinds=["society"],
                                      levels=[Level.PROVINCE], period_label=f"{year}年")
        c2 = services.create_campaign(SYSTEM, version=county, name=f"{year}年度县级科协年报", year=year, root=root,
                                      opens_on=opens_on, deadline=deadline, kinds=["kx"], levels=[Level.COUNTY],
                                      period_label=f"{year}年")
        for campaign, make in ((c1, lambda r, o, reg: society_data(r, o, reg, year)), (c2, county_data)):
            counts = _fill(campaign, rng, make, reviewer)
            out[campaign.version.form.code] = sum(counts.values())
            log(f"  {campaign.name}：{sum(counts.values())} 个填报单位，其中已通过 "
                f"{counts.get(SubmissionStatus.ACCEPTED, 0)} 个")
        # This year's society annual report, open now: every province-level society (demo-society's too) has
        # a submission not yet started.
        current = services.create_campaign(
            SYSTEM, version=society, name=f"{today.year}年度学会年报", year=today.year, root=root,
            opens_on=today - dt.timedelta(days=3), deadline=max(today + dt.timedelta(days=45),
                                                                 dt.date(today.year + 1, 1, 31)),
            kinds=["society"], levels=[Level.PROVINCE], period_label=f"{today.year}年")
        out["open"] = Submission.objects.filter(campaign=current).count()
        log(f"  {current.name}：{out['open']} 个填报单位，正在填报（截止 {current.deadline.isoformat()}）")
    return out
