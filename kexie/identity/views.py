"""Review queue of possible duplicates, the pair page with the evidence side by side, merge history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.export import xlsx_response
from kexie.core.http import error_messages, join_messages, paginate, to_id
from kexie.core.scope import get_in_scope, user_can
from kexie.identity import engine, services
from kexie.identity.models import CandidateStatus, MatchCandidate, Merge
from kexie.people.models import Person, PersonDiscipline

PAGE_SIZE = 50
FIELD_LABELS = {
    "id": gettext_lazy("身份证号"), "name": gettext_lazy("姓名"), "birth": gettext_lazy("出生日期"),
    "gender": gettext_lazy("性别"), "employer": gettext_lazy("工作单位"), "phone": gettext_lazy("手机号"),
    "email": gettext_lazy("电子邮箱"), "discipline": gettext_lazy("学科"),
}


def _queue(request, action: str):
    status = request.GET.get("status") or CandidateStatus.QUEUED
    if status not in CandidateStatus.values:
        status = CandidateStatus.QUEUED
    qs = (MatchCandidate.objects.for_user(request.user, action)
          .filter(status=status)
          .select_related("person_a__org", "person_b__org")
          .order_by("-score", "id"))
    if status == CandidateStatus.QUEUED:
        qs = qs.filter(person_a__deleted_at__isnull=True, person_b__deleted_at__isnull=True)
    return qs, status


@login_required
def queue(request):
    qs, status = _queue(request, "view")
    return render(request, "identity/queue.html", {
        "page": paginate(request, qs, PAGE_SIZE), "status": status, "statuses": CandidateStatus.choices,
    })


@login_required
def export(request):
    qs, _status = _queue(request, "export")
    headers = [_("匹配概率"), _("状态"), _("姓名（甲）"), _("出生日期（甲）"), _("所属组织（甲）"), _("姓名（乙）"),
               _("出生日期（乙）"), _("所属组织（乙）"), *[str(FIELD_LABELS[f]) for f in engine.FIELDS]]

    def rows():
        for c in qs.iterator(chunk_size=1000):
            a, b = c.person_a, c.person_b
            yield (round(c.score, 4), c.get_status_display(), a.name, a.birth_date, a.org.name, b.name, b.birth_date,
                   b.org.name, *[_evidence_label(c.evidence.get(f)) for f in engine.FIELDS])

    return xlsx_response(_("疑似重复人员"), _("疑似重复人员"), headers, rows())


def _evidence_label(item) -> str:
    if not item:
        return _(engine.MISSING)
    return _(item["label"])


def _side(person: Person) -> dict:
    disciplines = [str(pd.discipline) for pd in
                   PersonDiscipline.objects.filter(person=person).select_related("discipline").order_by("-is_primary")]
    return {
        "person": person,
        "disciplines": disciplines,
        "memberships": list(person.memberships.filter(deleted_at__isnull=True).select_related("society")),
        "posts": person.posts.count(),
    }


@login_required
def pair(request, pk: int):
    candidate = get_in_scope(MatchCandidate.objects.select_related("person_a__org", "person_b__org"),
                             request.user, pk)
    a, b = candidate.person_a, candidate.person_b
    rows = []
    for f in engine.FIELDS:
        item = candidate.evidence.get(f) or {}
        rows.append({"label": FIELD_LABELS[f], "verdict": _evidence_label(item), "weight": item.get("weight"),
                     "level": item.get("level", -1)})
    # Identifiers are compared by blind index: staff see whether they agree, not the numbers.
    blind = {
        "id": _agree(a.id_hash, b.id_hash),
        "phone": _agree(a.phone_hash, b.phone_hash),
    }
    return render(request, "identity/pair.html", {
        "candidate": candidate, "a": _side(a), "b": _side(b), "rows": rows, "blind": blind,
        "can_change": user_can(request.user, "change", a.org_path) and user_can(request.user, "change", b.org_path)
        and candidate.status == CandidateStatus.QUEUED and not a.deleted_at and not b.deleted_at,
        "merges": Merge.objects.for_user(request.user).filter(candidate=candidate),
    })


def _agree(x: str, y: str) -> str:
    if not x or not y:
        return _("缺失")
    return _("一致") if x == y else _("不一致")


@login_required
@require_POST
def merge(request, pk: int):
    candidate = get_in_scope(MatchCandidate.objects.all(), request.user, pk, "change")
    try:
        survivor = int(request.POST.get("survivor") or candidate.person_a_id)
    except ValueError:
        survivor = candidate.person_a_id
    try:
        record = services.merge_candidate(request.user, candidate, survivor)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, join_messages(error_messages(exc)))
        return redirect("identity:pair", pk=candidate.pk)
    messages.success(request, _("已合并，可在合并记录中撤销。"))
    return redirect("people:detail", pk=record.survivor_id)


@login_required
@require_POST
def distinct(request, pk: int):
    candidate = get_in_scope(MatchCandidate.objects.all(), request.user, pk, "change")
    try:
        services.mark_distinct(request.user, candidate)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, join_messages(error_messages(exc)))
        return redirect("identity:pair", pk=candidate.pk)
    messages.success(request, _("已标记为不是同一人，该对不会再次进入审核队列。"))
    return redirect("identity:queue")


@login_required
def merges(request):
    qs = Merge.objects.for_user(request.user).select_related("survivor", "merged", "actor", "undone_by")
    person = to_id(request.GET.get("person"))
    if person is not None:  # from a person's page: the merges that record took part in
        qs = qs.filter(Q(merged_id=person) | Q(survivor_id=person))
    return render(request, "identity/merges.html", {"page": paginate(request, qs, PAGE_SIZE)})


@login_required
@require_POST
def undo(request, pk: int):
    record = get_in_scope(Merge.objects.all(), request.user, pk, "change")
    try:
        services.undo(request.user, record)
    except ValidationError as exc:
        messages.error(request, join_messages(error_messages(exc)))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤销合并，两条记录已恢复原状。"))
    return redirect("identity:merges")
