"""Public pages of 科学辟谣 (no login, phone first): the list with verdict badges (filters by verdict and topic),
a debunk with its ClaimReview markup (a retracted one answers 410 with the correction note), and 流言榜, the
month's ranking. Everything starts from ``Debunk.objects.for_public()``."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kexie.core.http import CappedPaginator, bad_request, error_page
from kexie.kepu.debunks import rumours, services
from kexie.kepu.debunks.forms import PublicFilter, lenient, parse_month
from kexie.kepu.debunks.jsonld import claim_review, script
from kexie.kepu.models import Debunk, DebunkStatus, Item, Topic, Verdict

PER_PAGE = 20
CAP = 5000


@require_GET
def public_list(request):
    data = lenient(PublicFilter(request.GET))
    qs = Debunk.objects.for_public().select_related("org").order_by("-published_at", "-id")
    topic = Topic.objects.filter(code=data["topic"]).first() if data["topic"] else None
    if data["verdict"]:
        qs = qs.filter(verdict=data["verdict"])
    if topic is not None:
        qs = qs.filter(topics=topic)
    page = CappedPaginator(qs.only("id", "claim", "verdict", "explanation", "published_at", "org__name"),
                           PER_PAGE, cap=CAP).get_page(request.GET.get("page"))
    return render(request, "kepu/debunks/list.html", {
        "page": page, "verdict": data["verdict"], "topic": topic, "verdicts": Verdict.choices,
        "topics": Topic.objects.filter(debunks__status=DebunkStatus.PUBLISHED,
                                       debunks__deleted_at__isnull=True).distinct().order_by("order", "code"),
    })


@require_GET
def public_detail(request, pk: int):
    debunk = Debunk.objects.for_public().select_related("org", "expert").filter(pk=pk).first()
    if debunk is None:
        gone = Debunk.objects.filter(pk=pk, status=DebunkStatus.RETRACTED, published_at__isnull=False).first()
        if gone is not None:
            note = services.correction_of(gone)
            reason = _("这条辟谣已撤回。") + (_("更正说明：%(n)s") % {"n": note} if note else "")
            return error_page(request, 410, reason, template="kepu/debunks/gone.html")
        raise Http404(_("辟谣不存在或未发布。"))
    services.count_view(debunk.pk)
    url = request.build_absolute_uri(reverse("kepu:debunk", args=[debunk.pk]))
    related = Item.objects.for_public().filter(pk=debunk.item_id).first() if debunk.item_id else None
    return render(request, "kepu/debunks/detail.html", {
        "debunk": debunk, "jsonld": script(claim_review(debunk, url)), "topics": list(debunk.topics.all()),
        "paragraphs": [p.strip() for p in debunk.explanation.split("\n\n") if p.strip()],
        "expert": debunk.expert.name if debunk.expert else debunk.expert_name,
        "related": related,
    })


@require_GET
def rumour_board(request):
    today = timezone.localdate()
    raw = request.GET.get("month")
    month = parse_month(raw) if raw is not None else today.replace(day=1)
    if month is None:
        return bad_request(request, _("月份格式不正确，请写成“年-月”，例如 %(m)s。") % {"m": f"{today:%Y-%m}"})
    if month > today.replace(day=1):
        return bad_request(request, _("还没有到这个月份。"))
    prev = (month - dt.timedelta(days=1)).replace(day=1)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    return render(request, "kepu/debunks/rumours.html", {
        "month": month, "entries": rumours.ranking(month),
        "prev": f"{prev:%Y-%m}" if prev.year >= 2000 else "",
        "next": f"{nxt:%Y-%m}" if nxt <= today.replace(day=1) else "",
    })
