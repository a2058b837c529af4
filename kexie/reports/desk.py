"""数据填报 on the to-do desk (工作台, decision 0041): my organisation's reports to fill, the submissions waiting for
my review, and the campaigns I started that still wait for filers. One aggregate query per line."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.registry import Todo, summarise
from kexie.core.scope import scope_paths
from kexie.reports.models import CampaignStatus, Submission, SubmissionStatus

_FILLABLE = (SubmissionStatus.NOT_STARTED, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


def todos(user: Any) -> list[Todo]:
    if scope_paths(user, "reports.view") == []:
        return []
    out: list[Todo] = []
    own_orgs = user.assignments.values("organisation_id")
    list_url = reverse("reports:list")
    if scope_paths(user, "reports.change") != []:
        changeable = Submission.objects.for_user(user, "reports.change")
        # 本单位待填报: the campaigns open for my own organisations, not yet submitted (or returned to us).
        fill = summarise(changeable.filter(organisation_id__in=own_orgs, status__in=_FILLABLE,
                                           campaign__status=CampaignStatus.OPEN,
                                           campaign__opens_on__lte=timezone.localdate()), "campaign__deadline")
        out.append(fill.todo(_("本单位待填报的报表"), "reports:submission", list_url, order=10,
                             note=_("填报截止")))
        # 待我审核: submitted by the organisations below mine (a role at the filer alone does not review).
        review = summarise(changeable.filter(status=SubmissionStatus.SUBMITTED).exclude(organisation_id__in=own_orgs),
                           one="campaign")
        out.append(Todo(_("待我审核的填报"), review.count,
                        f"{reverse('reports:campaign', args=[review.single])}?status={SubmissionStatus.SUBMITTED}"
                        if review.single else list_url, order=12))
    # 我发起的填报任务: filers that have not submitted yet, by the campaign's deadline.
    started = summarise(Submission.objects.for_user(user, "reports.view").filter(
        campaign__created_by=user, campaign__status=CampaignStatus.OPEN, status__in=_FILLABLE),
        "campaign__deadline", one="campaign")
    out.append(started.todo(_("我发起的填报任务中尚未提交的单位"), "reports:campaign", list_url, kind="waiting",
                            order=10, note=_("填报截止")))
    return out
