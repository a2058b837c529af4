"""The declared workflows of 数字科创 (decision 0024): every table is sound, every transition's service refuses from
any status outside its sources with a Chinese message and changes nothing, and the detail pages show a button
exactly when the table allows it (and the user may act) — needs, achievements, introductions and challenge
applications. Destructive transitions ask before they are sent (``data-confirm``)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from kexie.accounts.models import User
from kexie.core.models import AuditEntry
from kexie.core.services import SYSTEM
from kexie.core.workflow import Workflow
from kexie.innovation.challenges import milestones
from kexie.innovation.challenges import services as challenges
from kexie.innovation.introductions import services as intro
from kexie.innovation.market import enquiries
from kexie.innovation.market import services as market
from kexie.innovation.models import (
    Achievement,
    Challenge,
    ChallengeApplication,
    Dispatch,
    Enquiry,
    Enterprise,
    Introduction,
    Milestone,
    Need,
    Station,
)
from kexie.innovation.needs import dispatches, enterprises, services
from kexie.innovation.stations import metrics
from kexie.innovation.stations import services as stations
from kexie.people.models import Person
from tests.test_innovation_market import achievement, enterprise, need

_seq = itertools.count(1)
FLOWS = {model: model.WORKFLOW for model in (Enterprise, Need, Dispatch, Achievement, Enquiry, Introduction, Station,
                                               Challenge, ChallengeApplication, Milestone)}
# Transitions no page or service call starts on its own: other services take them (a society's answer moves the
# need; closing a need withdraws its waiting dispatches; the daily job expires stations; the last accepted
# milestone completes the challenge; selecting one application leaves the others not selected). They are
# checked below through the service that drives them.
DRIVEN = {(Need, "match"), (Need, "unmatch"), (Dispatch, "withdraw"), (Station, "expire"), (Station, "reactivate"),
          (Challenge, "complete"), (ChallengeApplication, "not_select")}
DESTRUCTIVE = {(Enterprise, "reject"), (Need, "reject"), (Need, "close"), (Dispatch, "decline"),
               (Achievement, "withdraw"), (Introduction, "cancel"), (Introduction, "decline"), (Station, "revoke"),
               (Challenge, "cancel"), (ChallengeApplication, "withdraw"), (Milestone, "reject"),
               (Milestone, "remove")}


def chinese(text: Any) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def force(obj, status: str):
    """The record put in ``status`` directly (as if its history had led there), fresh from the database."""
    type(obj).objects.filter(pk=obj.pk).update(status=status)
    return type(obj).objects.get(pk=obj.pk)


def row(obj) -> dict[str, Any]:
    fresh = type(obj).objects.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in type(obj)._meta.concrete_fields}


def with_user(person: Person) -> User:
    person.user = User.objects.create(username=f"wf-{next(_seq)}")
    person.save(update_fields=["user"])
    return person.user


def people(n: int) -> list[Person]:
    return list(Person.objects.alive().filter(user__isnull=True).order_by("-pk")[:n])


# ---- the tables ----------------------------------------------------------------------------------------------
def test_every_table_is_sound_chinese_and_asks_before_destroying():
    for model, flow in FLOWS.items():
        assert isinstance(flow, Workflow) and flow.field == "status", model
        valid = set(flow.statuses.values)
        assert {f.name for f in model._meta.fields} >= {"status"}
        for t in flow:
            assert t.sources and t.sources <= valid, (model, t.name)
            assert t.target is None or t.target in valid, (model, t.name)
            assert chinese(t.label), (model, t.name)
            assert not t.refusal or chinese(t.refusal), (model, t.name)
            assert bool(t.confirm) == ((model, t.name) in DESTRUCTIVE), (model, t.name)
            assert not t.confirm or chinese(t.confirm), (model, t.name)
            for status in valid - t.sources:  # the table refuses, in Chinese, from every other status
                obj = model(status=status)
                with pytest.raises(ValidationError) as exc:
                    flow.check(obj, t.name)
                assert all(chinese(m) for m in exc.value.messages), (model, t.name, status)


# ---- every service refuses outside its sources and changes nothing ---------------------------------------------
class World:
    """One record of each workflow model, each in a state where its transitions' other conditions hold, and a
    function per transition calling its service as a user who may act."""

    def __init__(self, province) -> None:
        self.p = province
        self.staff = province["users"]["demo-province"]
        a = province["city_a"]
        society_user = province["users"]["demo-society"]
        society = society_user.assignments.get().organisation
        self.a, self.society, self.society_user = a, society, society_user
        company_user = User.objects.create(username=f"wf-company-{next(_seq)}")
        self.ent = enterprise(a)
        self.ent.users.add(company_user)
        self.company_user = company_user
        self.need = need(a, "工作流需求", status="draft", ent=None)
        self.dispatch = Dispatch.objects.create(need=need(a, "派单需求", status="matching"), society=society,
                                                society_path=society.path, org_path=a.path,
                                                respond_by=timezone.now() + dt.timedelta(days=5))
        self.leader = people(1)[0]
        self.ach = achievement(a, "工作流成果", status="draft")
        self.enquiry = Enquiry.objects.create(achievement=achievement(a, "意向成果"), name="李先生",
                                              contact="13800001111", text="希望了解", org_path=a.path)
        expert, scientist, winner = people(4)[1:4]
        expert.public_profile = True
        expert.save(update_fields=["public_profile"])
        self.expert_user = with_user(expert)
        self.intro = Introduction.objects.create(enterprise=self.ent, expert=expert, message="请引荐",
                                                 org_path=self.ent.org_path, expert_path=expert.org_path,
                                                 brokered_at=timezone.now())
        self.station = Station.objects.create(kind="expert", name="工作流工作站", host_name="某企业", owner=a,
                                              org_path=a.path, agreement_start=dt.date(2024, 1, 1),
                                              agreement_end=timezone.localdate() + dt.timedelta(days=400))
        future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
        self.ch = challenges.create_challenge(self.staff, owner=a, title="工作流榜单", description="指标",
                                              bounty="100", apply_by=future)
        self.scientist_user = with_user(scientist)
        self.winner_user = with_user(winner)
        self.app = ChallengeApplication.objects.create(challenge=self.ch, leader=winner, unit="某大学",
                                                       proposal="方案", org_path=a.path)
        self.ms = Milestone.objects.create(challenge=self.ch, title="样机", due=dt.date(2030, 1, 1), share=30,
                                           org_path=a.path)

    def prepare(self, model, name: str) -> None:
        """What a transition needs besides its own record's status."""
        if model is ChallengeApplication and name in ("withdraw", "resubmit"):
            force(self.ch, "open")
        elif model is ChallengeApplication and name == "select":
            force(self.ch, "selecting")
        elif model is Milestone:
            ch = force(self.ch, "awarded")
            force(self.app, "selected")
            assert challenges.winner(ch) is not None

    def record(self, model):
        return {Enterprise: self.ent, Need: self.need, Dispatch: self.dispatch, Achievement: self.ach,
                Enquiry: self.enquiry, Introduction: self.intro, Station: self.station, Challenge: self.ch,
                ChallengeApplication: self.app, Milestone: self.ms}[model]

    def calls(self) -> dict[tuple[type, str], Callable[[Any], Any]]:
        s, c, e, x = self.staff, self.company_user, self.expert_user, self.society_user
        return {
            (Enterprise, "verify"): lambda o: enterprises.verify_enterprise(s, o, "verify"),
            (Enterprise, "reject"): lambda o: enterprises.verify_enterprise(s, o, "reject", "材料不实"),
            (Need, "edit"): lambda o: services.edit_need(s, o, title="改名"),
            (Need, "submit"): lambda o: services.submit_need(s, o),
            (Need, "approve"): lambda o: services.review_need(s, o, "approve"),
            (Need, "return"): lambda o: services.review_need(s, o, "return", "请补充"),
            (Need, "reject"): lambda o: services.review_need(s, o, "reject", "不予发布"),
            (Need, "dispatch"): lambda o: dispatches.dispatch(s, o, [self.society]),
            (Need, "solve"): lambda o: services.solve(s, o, "已解决"),
            (Need, "close"): lambda o: services.close(s, o, "关闭"),
            (Dispatch, "accept"): lambda o: dispatches.respond(x, o, accept=True, leader=self.leader, plan="方案"),
            (Dispatch, "decline"): lambda o: dispatches.respond(x, o, accept=False, reason="无力承接"),
            (Dispatch, "complete"): lambda o: dispatches.complete(x, o, "服务成效"),
            (Dispatch, "rate"): lambda o: dispatches.rate(SYSTEM, o, 5),
            (Achievement, "publish"): lambda o: market.publish_achievement(s, o),
            (Achievement, "withdraw"): lambda o: market.withdraw_achievement(s, o, "下架"),
            (Enquiry, "handle"): lambda o: enquiries.handle_enquiry(s, o, "已联系"),
            (Introduction, "broker"): lambda o: intro.broker(s, o, "已联系专家"),
            (Introduction, "cancel"): lambda o: intro.cancel(s, o, "企业撤回"),
            (Introduction, "accept"): lambda o: intro.answer(e, o, accept=True),
            (Introduction, "decline"): lambda o: intro.answer(e, o, accept=False, reason="没空"),
            (Introduction, "complete"): lambda o: intro.complete(c, o, outcome="成效", rating=5),
            (Station, "revoke"): lambda o: stations.revoke_station(s, o, "撤销"),
            (Station, "add_resident"): lambda o: stations.add_resident(s, o, self.leader),
            (Challenge, "edit"): lambda o: challenges.edit_challenge(s, o, title="改名"),
            (Challenge, "publish"): lambda o: challenges.publish(s, o),
            (Challenge, "close"): lambda o: challenges.close_applications(s, o),
            (Challenge, "cancel"): lambda o: challenges.cancel(s, o, "撤榜"),
            (Challenge, "award"): lambda o: challenges.select(s, o, self.app, "最优"),
            (Challenge, "apply"): lambda o: challenges.apply(self.scientist_user, o, unit="某所", proposal="方案"),
            (Challenge, "milestone"): lambda o: milestones.add_milestone(s, o, title="中试", due="2030-06-01",
                                                                         share="20"),
            (ChallengeApplication, "withdraw"): lambda o: challenges.withdraw(self.winner_user, o),
            (ChallengeApplication, "resubmit"): lambda o: challenges.apply(self.winner_user, o.challenge,
                                                                           unit="某大学", proposal="方案"),
            (ChallengeApplication, "select"): lambda o: challenges.select(s, o.challenge, o, "最优"),
            (Milestone, "submit"): lambda o: milestones.submit_evidence(self.winner_user, o, "已完成"),
            (Milestone, "accept"): lambda o: milestones.judge_milestone(s, o, accept=True),
            (Milestone, "reject"): lambda o: milestones.judge_milestone(s, o, accept=False, verdict="不达标"),
            (Milestone, "remove"): lambda o: milestones.remove_milestone(s, o),
        }


def test_every_transition_has_a_service_or_is_driven_by_one(province):
    world = World(province)
    declared = {(m, t.name) for m, flow in FLOWS.items() for t in flow}
    assert declared == set(world.calls()) | DRIVEN


@pytest.mark.parametrize("model", list(FLOWS), ids=lambda m: m.__name__)
def test_every_service_refuses_outside_its_sources_and_changes_nothing(province, model):
    world = World(province)
    flow = FLOWS[model]
    calls = world.calls()
    tried = 0
    for t in flow:
        if (model, t.name) in DRIVEN:
            continue
        for status in sorted(set(flow.statuses.values) - t.sources):
            world.prepare(model, t.name)
            obj = force(world.record(model), status)
            before, audits = row(obj), AuditEntry.objects.count()
            with pytest.raises(ValidationError) as exc:
                calls[(model, t.name)](obj)
            assert exc.value.messages and all(chinese(m) for m in exc.value.messages), (t.name, status)
            assert row(obj) == before, (t.name, status)
            assert AuditEntry.objects.count() == audits, (t.name, status)
            tried += 1
    assert tried or all((model, t.name) in DRIVEN for t in flow)


def test_the_driven_transitions_follow_the_table(province):
    """Closing a need withdraws only waiting dispatches; the daily job never revives a revoked station; a
    society's answer moves only a need being matched."""
    world = World(province)
    d = world.dispatch
    accepted = Dispatch.objects.create(need=d.need, society=province["city_b"], society_path=province["city_b"].path,
                                       org_path=d.org_path, respond_by=d.respond_by, status="accepted")
    services.close(world.staff, d.need, "不再需要")
    assert Dispatch.objects.get(pk=d.pk).status == "withdrawn"
    assert Dispatch.objects.get(pk=accepted.pk).status == "accepted"

    revoked = force(world.station, "revoked")
    Station.objects.filter(pk=revoked.pk).update(agreement_end=timezone.localdate() - dt.timedelta(days=1))
    metrics.refresh_station_statuses()
    assert Station.objects.get(pk=revoked.pk).status == "revoked"

    n = need(world.a, "已对接的需求", status="matched")
    d2 = Dispatch.objects.create(need=n, society=world.society, society_path=world.society.path, org_path=n.org_path,
                                 respond_by=timezone.now() + dt.timedelta(days=5))
    dispatches.respond(world.society_user, d2, accept=False, reason="无力承接")
    assert Need.objects.get(pk=n.pk).status == "matched"  # "unmatch" starts from 对接中 only


# ---- the detail pages show a button exactly when it is allowed -------------------------------------------------
def test_need_page_buttons_follow_the_table(province):
    staff = province["users"]["demo-city-a"]
    n = need(province["city_a"], "按钮需求", status="draft")
    page = client_for(staff)
    for status in Need.WORKFLOW.statuses.values:
        n = force(n, status)
        html = page.get(f"/innovation/{n.pk}/").content.decode()
        for name, marker in (("submit", 'value="submit"'), ("approve", 'value="approve"'),
                             ("reject", 'value="reject"'), ("solve", 'value="solve"'), ("close", 'value="close"')):
            assert (marker in html) == Need.WORKFLOW.allows(n, name), (status, name)
        confirm = str(Need.WORKFLOW["close"].confirm)
        assert (f'data-confirm="{confirm}"' in html) == Need.WORKFLOW.allows(n, "close"), status
    other = client_for(province["users"]["demo-city-b"])  # no permission: never a button (the page is a 404)
    assert other.get(f"/innovation/{n.pk}/").status_code == 404


def test_achievement_page_buttons_follow_the_table(province):
    ach = achievement(province["city_a"], "按钮成果", status="draft")
    staff, outsider = client_for(province["users"]["demo-city-a"]), client_for(province["users"]["demo-city-b"])
    for status in Achievement.WORKFLOW.statuses.values:
        ach = force(ach, status)
        html = staff.get(f"/innovation/achievements/{ach.pk}/").content.decode()
        for name in ("publish", "withdraw"):
            assert (f'value="{name}"' in html) == Achievement.WORKFLOW.allows(ach, name), (status, name)
        assert ('data-confirm="' in html) == Achievement.WORKFLOW.allows(ach, "withdraw"), status
    assert outsider.get(f"/innovation/achievements/{ach.pk}/").status_code == 404  # no permission: no page


def test_introduction_page_buttons_follow_the_table_and_the_side(province):
    world = World(province)
    staff, company, expert = (client_for(province["users"]["demo-city-a"]), client_for(world.company_user),
                              client_for(world.expert_user))
    o = world.intro
    for status in Introduction.WORKFLOW.statuses.values:
        o = force(o, status)
        url = f"/innovation/intro/{o.pk}/"
        as_staff, as_company, as_expert = (c.get(url).content.decode() for c in (staff, company, expert))
        flow = Introduction.WORKFLOW
        assert ('value="broker"' in as_staff) == flow.allows(o, "broker"), status
        assert ('value="cancel"' in as_staff) == flow.allows(o, "cancel"), status
        assert ('value="cancel"' in as_company) == flow.allows(o, "cancel"), status
        assert ('value="accept"' in as_expert) == flow.allows(o, "accept"), status
        assert ('value="decline"' in as_expert) == flow.allows(o, "decline"), status
        assert ('value="complete"' in as_company) == flow.allows(o, "complete"), status
        assert 'value="broker"' not in as_company + as_expert and 'value="accept"' not in as_staff + as_company
        assert 'value="complete"' not in as_staff + as_expert
        if flow.allows(o, "cancel"):
            assert f'data-confirm="{flow["cancel"].confirm}"' in as_staff


def test_challenge_application_withdraw_button_follows_the_table(province):
    world = World(province)
    leader = client_for(world.winner_user)
    app = world.app
    for ch_status in Challenge.WORKFLOW.statuses.values:
        ch = force(world.ch, ch_status)
        for status in ChallengeApplication.WORKFLOW.statuses.values:
            app = force(app, status)
            if ch_status == "draft":  # a draft is not visible to applicants
                continue
            html = leader.get(f"/innovation/challenges/{ch.pk}/").content.decode()
            allowed = (ChallengeApplication.WORKFLOW.allows(app, "withdraw")
                       and Challenge.WORKFLOW.allows(ch, "apply"))
            assert (f"/innovation/challenges/applications/{app.pk}/withdraw/" in html) == allowed, (ch_status, status)
            confirm = str(ChallengeApplication.WORKFLOW["withdraw"].confirm)
            assert (f'data-confirm="{confirm}"' in html) == allowed, (ch_status, status)
    other = client_for(world.scientist_user)  # not the leader: never the button
    force(world.ch, "open")
    force(app, "submitted")
    assert "/withdraw/" not in other.get(f"/innovation/challenges/{world.ch.pk}/").content.decode()
