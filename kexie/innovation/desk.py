"""数字科创 on the to-do desk (工作台, decision 0041): needs to approve, dispatches my society must answer (with the
answer time), overdue dispatches in my area, enterprises to verify, enquiries and introductions to handle; and the
dispatches I sent that are not answered yet and my dispatch requests
waiting for the association above. One aggregate query per line, a second one for the most urgent record
where several wait and no list filters them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.registry import Summary, Todo, summarise
from kexie.core.scope import scope_paths
from kexie.innovation.models import (
    Dispatch,
    DispatchRequest,
    DispatchStatus,
    Enquiry,
    EnquiryStatus,
    Enterprise,
    Introduction,
    IntroStatus,
    Need,
    NeedStatus,
    RequestStatus,
    VerifyStatus,
)
from kexie.innovation.needs.dispatches import requests_to_decide


def _dispatch_url(qs: Any, found: Summary) -> str:
    """The one dispatch, or the one answered soonest when several wait (its page leads to the need)."""
    pk = found.single if found.single else qs.order_by("respond_by", "pk").values_list("pk", flat=True).first()
    return reverse("innovation:dispatch", args=[pk]) if pk else reverse("innovation:needs")


def todos(user: Any) -> list[Todo]:
    if scope_paths(user, "innovation.view") == []:
        return []
    out: list[Todo] = []
    own_orgs = user.assignments.values("organisation_id")
    needs_url = reverse("innovation:needs")
    if scope_paths(user, "innovation.change") != []:
        found = summarise(Need.objects.for_user(user, "innovation.change").alive().filter(
            status__in=(NeedStatus.SUBMITTED, NeedStatus.REVIEWING)))
        out.append(found.todo(_("待审核的技术需求"), "innovation:need", f"{needs_url}?status={NeedStatus.SUBMITTED}",
                              order=30))
        # 科协报到: needs sent to my own society, to answer by their answer time.
        answer = Dispatch.objects.for_user(user, "innovation.change").filter(
            status=DispatchStatus.WAITING, society_id__in=own_orgs)
        found = summarise(answer, "respond_by")
        out.append(Todo(_("待本会答复的派单"), found.count, _dispatch_url(answer, found) if found.count else "",
                        found.deadline, found.overdue, order=32, note=_("答复时限")))
        found = summarise(Enterprise.objects.for_user(user, "innovation.change").alive().filter(
            status=VerifyStatus.PENDING))
        out.append(found.todo(_("待核验的企业"), "innovation:enterprise", needs_url, order=36))
        found = summarise(Enquiry.objects.for_user(user, "innovation.change").filter(status=EnquiryStatus.NEW))
        out.append(found.todo(_("待处理的对接意向"), "innovation:enquiry",
                              f"{reverse('innovation:enquiries')}?status={EnquiryStatus.NEW}", order=38))
        # 点厨: the broker is the enterprise's host association (its enterprises' scope), not the expert's side.
        found = summarise(Introduction.objects.for_user(user, "innovation.change").filter(
            status=IntroStatus.REQUESTED,
            enterprise__in=Enterprise.objects.for_user(user, "innovation.change").values("pk")))
        out.append(found.todo(_("待引荐的专家对接申请"), "innovation:intro",
                              f"{reverse('innovation:intro-list')}?status={IntroStatus.REQUESTED}", order=39))
    # 派单请求: a lower association asks to dispatch to societies it may not reach (decided here), and mine upwards.
    found = summarise(requests_to_decide(user))
    out.append(found.todo(_("待确认的派单请求"), "innovation:dispatch-request",
                          reverse("innovation:dispatch-requests"), order=33))
    found = summarise(DispatchRequest.objects.for_user(user, "innovation.view").filter(
        requested_by=user, status=RequestStatus.PENDING))
    out.append(found.todo(_("我提交、待上级科协确认的派单请求"), "innovation:dispatch-request",
                          reverse("innovation:dispatch-requests"), kind="waiting", order=32))
    # 督办: dispatches in my area past their answer time, other than those to my society or sent by me (above/below).
    late = Dispatch.objects.for_user(user, "innovation.view").filter(
        status=DispatchStatus.WAITING, respond_by__lt=timezone.now()).exclude(
        society_id__in=own_orgs).exclude(dispatched_by=user)
    found = summarise(late, "respond_by")
    out.append(Todo(_("逾期未答复的派单（督办）"), found.count, _dispatch_url(late, found) if found.count else "",
                    found.deadline, found.overdue, order=34, note=_("答复时限")))
    mine = Dispatch.objects.for_user(user, "innovation.view").filter(status=DispatchStatus.WAITING,
                                                                     dispatched_by=user)
    found = summarise(mine, "respond_by")
    out.append(Todo(_("我派出尚未答复的派单"), found.count, _dispatch_url(mine, found) if found.count else "",
                    found.deadline, found.overdue, kind="waiting", order=30, note=_("答复时限")))
    return out
