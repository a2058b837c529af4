"""揭榜挂帅: draft → open → selecting → awarded → completed, cancellation, applications (one per leader, withdraw
while open, not after the deadline), exactly one winner (service rule and DB constraint), notifications, milestone
shares ≤ 100 %, evidence and verdicts, and scope."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from kexie.accounts.models import User
from kexie.innovation.challenges import milestones
from kexie.innovation.challenges import services as svc
from kexie.innovation.models import (
    Challenge,
    ChallengeApplication,
    ChallengeApplicationStatus,
    ChallengeStatus,
    Milestone,
    MilestoneStatus,
)
from kexie.notices.models import Notification
from kexie.people.models import Person

_seq = itertools.count(1)
AS = ChallengeApplicationStatus


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def scientists(n: int) -> list[User]:
    people = list(Person.objects.alive().filter(user__isnull=True).order_by("-pk")[:n])
    users = []
    for p in people:
        p.user = User.objects.create(username=f"scientist-{next(_seq)}")
        p.save(update_fields=["user"])
        users.append(p.user)
    return users


def future(days: int = 30) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def open_challenge(province) -> Challenge:
    staff = province["users"]["demo-city-a"]
    ch = svc.create_challenge(staff, owner=province["city_a"], title="高端轴承钢纯净度攻关",
                              description="氧含量 ≤ 5 ppm，疲劳寿命提高 50%。", bounty="300", apply_by=future())
    return svc.publish(staff, ch)


def past_deadline(ch: Challenge) -> None:
    Challenge.objects.filter(pk=ch.pk).update(apply_by=timezone.localdate() - dt.timedelta(days=1))


def test_publish_checks_bounty_and_deadline(province):
    staff = province["users"]["demo-city-a"]
    ch = svc.create_challenge(staff, owner=province["city_a"], title="草稿榜", description="任务", bounty="0",
                              apply_by=(timezone.localdate() - dt.timedelta(days=1)).isoformat())
    with pytest.raises(ValidationError) as exc:
        svc.publish(staff, ch)
    assert exc.value.messages == ["榜额应大于 0（万元）。", "揭榜截止日期应晚于今天。"]
    assert Challenge.objects.get(pk=ch.pk).status == ChallengeStatus.DRAFT
    with pytest.raises(PermissionDenied):
        svc.create_challenge(staff, owner=province["city_b"], title="越权", bounty="1", apply_by=future())
    svc.edit_challenge(staff, ch, bounty="80", apply_by=future(10))
    svc.publish(staff, ch)
    assert Challenge.objects.get(pk=ch.pk).status == ChallengeStatus.OPEN
    with pytest.raises(ValidationError) as exc:
        svc.edit_challenge(staff, ch, title="改名")
    assert exc.value.messages == ["榜单已发布，不能再修改。"]


def test_apply_select_one_winner_milestones_complete(province):
    staff = province["users"]["demo-city-a"]
    ch = open_challenge(province)
    u1, u2, u3 = scientists(3)
    nobody = User.objects.create(username="no-person")
    with pytest.raises(PermissionDenied) as exc:
        svc.apply(nobody, ch, unit="某大学", proposal="方案")
    assert str(exc.value) == "只有登记在册并绑定账号的科技工作者可以揭榜。"
    with pytest.raises(ValidationError) as exc:
        svc.apply(u1, ch, unit="", proposal="")
    assert exc.value.messages == ["请填写揭榜单位。", "请填写攻关方案。"]
    a1 = svc.apply(u1, ch, unit="省冶金研究院", proposal="真空脱气 + 电渣重熔", team="张三，李四")
    assert a1.team == [{"name": "张三"}, {"name": "李四"}]
    with pytest.raises(ValidationError) as exc:
        svc.apply(u1, ch, unit="省冶金研究院", proposal="再来")
    assert exc.value.messages == ["您已揭榜，不能重复申请。"]
    a2 = svc.apply(u2, ch, unit="某大学", proposal="方案二")
    a3 = svc.apply(u3, ch, unit="某公司", proposal="方案三")
    svc.withdraw(u3, a3)
    assert ChallengeApplication.objects.get(pk=a3.pk).status == AS.WITHDRAWN
    with pytest.raises(PermissionDenied):
        svc.withdraw(u1, a2)

    with pytest.raises(ValidationError) as exc:
        svc.close_applications(staff, ch)
    assert exc.value.messages == [f"揭榜截止（{ch.apply_by}）后方可结束征集。"]
    past_deadline(ch)
    with pytest.raises(ValidationError) as exc:
        svc.apply(u3, ch, unit="某公司", proposal="方案三")
    assert exc.value.messages == ["揭榜已截止。"]
    svc.close_applications(staff, ch)
    with pytest.raises(ValidationError) as exc:
        svc.withdraw(u2, a2)
    assert exc.value.messages == ["只能在张榜期间撤回已提交的揭榜申请。"]

    with pytest.raises(ValidationError) as exc:
        svc.select(staff, ch, a1, "")
    assert exc.value.messages == ["请填写遴选理由。"]
    with pytest.raises(ValidationError) as exc:
        svc.select(staff, ch, a3, "撤回的也想选")
    assert exc.value.messages == ["只能从本榜单的有效揭榜申请中遴选。"]
    with pytest.raises(PermissionDenied):
        svc.select(province["users"]["demo-city-b"], ch, a1, "越权")
    svc.select(staff, ch, a1, "技术路线成熟，已有中试基础")
    statuses = dict(ChallengeApplication.objects.filter(challenge=ch).values_list("pk", "status"))
    assert statuses == {a1.pk: AS.SELECTED, a2.pk: AS.NOT_SELECTED, a3.pk: AS.WITHDRAWN}
    assert Challenge.objects.get(pk=ch.pk).status == ChallengeStatus.AWARDED
    assert Notification.objects.filter(user=u1, title__startswith="揭榜成功").exists()
    assert Notification.objects.filter(user=u2, title__contains="未入选").exists()
    assert not Notification.objects.filter(user=u3, key__startswith="innovation-challenge-result").exists()
    with pytest.raises(ValidationError):
        svc.select(staff, ch, a2, "再选一个")  # one winner only
    with pytest.raises(IntegrityError), transaction.atomic():
        ChallengeApplication.objects.filter(pk=a2.pk).update(status=AS.SELECTED)  # the database refuses too
    with pytest.raises(ValidationError) as exc:
        svc.cancel(staff, ch, "不再需要")
    assert exc.value.messages == ["榜单已揭榜或已撤榜，不能撤榜。"]

    m1 = milestones.add_milestone(staff, ch, title="中试验证", due=future(120), share="60")
    with pytest.raises(ValidationError) as exc:
        milestones.add_milestone(staff, ch, title="验收", due=future(240), share="50")
    assert exc.value.messages == ["各里程碑拨付比例合计不能超过 100%（已设 60%，还可设 40%）。"]
    with pytest.raises(ValidationError) as exc:
        milestones.add_milestone(staff, ch, title="", due="明年", share="0")
    assert exc.value.messages == ["请填写里程碑名称。", "计划完成日期的格式应为 YYYY-MM-DD。", "拨付比例应为 1 到 100 的整数。"]
    m2 = milestones.add_milestone(staff, ch, title="产业化验收", due=future(240), share="40")
    assert Milestone.objects.filter(challenge=ch).count() == 2

    with pytest.raises(PermissionDenied) as exc:
        milestones.submit_evidence(u2, m1, "不是我的")
    assert str(exc.value) == "只有揭榜团队负责人可以提交完成情况。"
    resp = client_for(u1).post(f"/innovation/challenges/milestones/{m1.pk}/", {"action": "evidence",
                                                                                "evidence": "中试 3 炉，氧含量 4.2 ppm"})
    assert resp.status_code == 302 and Milestone.objects.get(pk=m1.pk).status == MilestoneStatus.SUBMITTED
    with pytest.raises(ValidationError) as exc:
        milestones.judge_milestone(staff, m1, accept=False, verdict="")
    assert exc.value.messages == ["验收不通过须说明意见。"]
    milestones.judge_milestone(staff, m1, accept=False, verdict="缺少第三方检测报告")
    assert Milestone.objects.get(pk=m1.pk).status == MilestoneStatus.REJECTED
    milestones.submit_evidence(u1, m1, "补充第三方检测报告")
    milestones.judge_milestone(staff, m1, accept=True)
    assert Challenge.objects.get(pk=ch.pk).status == ChallengeStatus.AWARDED  # one still open
    milestones.submit_evidence(u1, m2, "批量供货")
    milestones.judge_milestone(staff, m2, accept=True, verdict="通过")
    assert Challenge.objects.get(pk=ch.pk).status == ChallengeStatus.COMPLETED


def test_cancel_with_reason_and_applicants_told(province):
    staff = province["users"]["demo-city-a"]
    ch = open_challenge(province)
    [u1] = scientists(1)
    svc.apply(u1, ch, unit="某大学", proposal="方案")
    with pytest.raises(ValidationError) as exc:
        svc.cancel(staff, ch, " ")
    assert exc.value.messages == ["撤榜须说明理由。"]
    assert Challenge.objects.get(pk=ch.pk).status == ChallengeStatus.OPEN
    svc.cancel(staff, ch, "企业需求变更")
    ch.refresh_from_db()
    assert ch.status == ChallengeStatus.CANCELLED and ch.status_reason == "企业需求变更"
    assert Notification.objects.filter(user=u1, key=f"innovation-challenge-cancelled-{ch.pk}").exists()
    with pytest.raises(ValidationError) as exc:
        svc.apply(u1, ch, unit="某大学", proposal="方案")
    assert exc.value.messages == ["榜单不在张榜中，不能揭榜。"]


def test_pages_scope_and_privacy_of_applications(province):
    a_staff, b_staff = province["users"]["demo-city-a"], province["users"]["demo-city-b"]
    draft = svc.create_challenge(b_staff, owner=province["city_b"], title="B市草稿榜", bounty="10", apply_by=future())
    city_a = client_for(a_staff)
    assert city_a.get(f"/innovation/challenges/{draft.pk}/").status_code == 404
    assert "B市草稿榜" not in city_a.get("/innovation/challenges/").content.decode()
    city_a.post(f"/innovation/challenges/{draft.pk}/act/", {"action": "publish"})
    assert Challenge.objects.get(pk=draft.pk).status == ChallengeStatus.DRAFT

    ch = open_challenge(province)
    u1, u2 = scientists(2)
    resp = client_for(u1).post(f"/innovation/challenges/{ch.pk}/apply/", {"unit": "", "proposal": ""})
    assert resp.status_code == 400 and "请填写揭榜单位。" in resp.content.decode()
    client_for(u1).post(f"/innovation/challenges/{ch.pk}/apply/", {"unit": "省研究院", "proposal": "保密的技术路线"})
    assert ChallengeApplication.objects.filter(challenge=ch, status=AS.SUBMITTED).count() == 1
    # A published challenge is public; other applicants' proposals are not.
    page = client_for(u2).get(f"/innovation/challenges/{ch.pk}/").content.decode()
    assert "高端轴承钢纯净度攻关" in page and "保密的技术路线" not in page and "我要揭榜" in page
    assert "保密的技术路线" in city_a.get(f"/innovation/challenges/{ch.pk}/").content.decode()
    assert client_for(b_staff).post(f"/innovation/challenges/{ch.pk}/act/", {"action": "cancel",
                                                                             "reason": "越权"}).status_code == 404
    resp = city_a.post(f"/innovation/challenges/{ch.pk}/act/", {"action": "close"}, follow=True)
    assert "后方可结束征集" in resp.content.decode()
    app = ChallengeApplication.objects.get(challenge=ch)
    client_for(u1).post(f"/innovation/challenges/applications/{app.pk}/withdraw/")
    assert ChallengeApplication.objects.get(pk=app.pk).status == AS.WITHDRAWN
