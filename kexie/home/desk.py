"""What the pages of 我的 read: an individual's next steps (the personal desk), their applications, reviews,
projects, memberships and notices. Pages of other modules are linked by URL name and only when they exist
(``link``), so this page works whichever of them is installed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from kexie.calls import eligibility
from kexie.calls.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    CallStatus,
    Project,
    ReviewAssignment,
    Stage,
)
from kexie.innovation.models import Enterprise
from kexie.members.models import Membership
from kexie.notices.models import Notification
from kexie.people.models import Person

OPEN_CALLS_CHECKED = 20  # open calls checked against the person's eligibility for the desk


def link(name: str, *args: Any) -> str:
    """The URL of a page, or "" when it does not exist (yet)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def is_individual(user: Any) -> bool:
    """An account with no role anywhere: a scientist, a volunteer, an enterprise user."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return False
    return not user.assignments.exists()


@dataclass
class Step:
    """One line of the personal desk: what to do, how many, where."""

    key: str
    label: Any
    text: Any
    url: str
    count: int | None = None
    done: bool = False


def open_calls_for(person: Person) -> list[Call]:
    """Open calls at their 申报 stage that the person may apply to and has not applied to yet."""
    calls = (Call.objects.for_public().filter(status=CallStatus.OPEN, current_stage=Stage.APPLY,
                                               applicant_kind="person")
             .exclude(applications__applicant_person=person).order_by("-year", "code")[:OPEN_CALLS_CHECKED])
    return [c for c in calls if eligibility.evaluate(c, person=person).ok]


def pending_reviews(person: Person) -> int:
    return ReviewAssignment.objects.filter(expert=person, status=AssignmentStatus.ASSIGNED).count()


def steps(user: Any, person: Person | None) -> list[Step]:
    out: list[Step] = []
    verify = link("signup:verify") or link("me")
    out.append(Step("verify", _("实名认证"), _("完成实名认证后即可申请入会、申报项目和参加评审。"), verify,
                    done=person is not None))
    enterprise = Enterprise.objects.filter(users=user, deleted_at__isnull=True).first()
    if enterprise is not None:
        out.append(Step("enterprise", _("我的企业"), _("发布技术需求，查看对接的专家和服务记录。"),
                        link("innovation:my-enterprise") or link("innovation:needs")))
    if person is None:
        return out
    in_good_standing = Membership.objects.filter(person=person, status__in=("new", "current", "grace")).count()
    out.append(Step("join", _("加入学会"), _("查找学会并在线申请入会。"),
                    link("members:societies") or link("me"), count=in_good_standing, done=in_good_standing > 0))
    calls = open_calls_for(person)
    out.append(Step("apply", _("可申报的项目"), _("您符合申报条件、尚未申报的批次。"), link("calls:list"),
                    count=len(calls), done=not calls))
    reviews = pending_reviews(person)
    out.append(Step("review", _("待评审"), _("分配给您、尚未提交评审意见的申报。"), link("calls:my-reviews"),
                    count=reviews, done=reviews == 0))
    out.append(Step("public", _("公开专家信息"), _("同意后，公众可以在专家查询中找到您的公开资料。"),
                    link("signup:privacy") or link("me"), done=person.public_profile))
    return out


def applications(person: Person, limit: int | None = 20) -> list[Application]:
    qs = Application.objects.filter(applicant_person=person).select_related("call").order_by("-id")
    return list(qs.exclude(status=ApplicationStatus.WITHDRAWN)[:limit] if limit else qs)


def review_tasks(person: Person, limit: int | None = 20) -> list[ReviewAssignment]:
    qs = (ReviewAssignment.objects.filter(expert=person).exclude(status=AssignmentStatus.RELEASED)
          .select_related("call", "application").order_by("-id"))
    return list(qs[:limit] if limit else qs)


def projects(person: Person, limit: int | None = 20) -> list[Project]:
    qs = Project.objects.filter(application__applicant_person=person).select_related("call").order_by("-id")
    return list(qs[:limit] if limit else qs)


def memberships(person: Person) -> list[Membership]:
    rows = list(person.memberships.select_related("society").order_by("-joined_on", "id"))
    for m in rows:
        m.card_url = link("members:card", m.pk)  # type: ignore[attr-defined]
        m.certificate_url = link("members:certificate", m.pk)  # type: ignore[attr-defined]
    return rows


def latest_notices(user: Any, n: int = 5) -> list[Notification]:
    return list(Notification.objects.for_user(user).order_by("-created_at", "-id")[:n])
