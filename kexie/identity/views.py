"""Review queue of possible duplicates, the pair page with the evidence side by side, merge history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.export import xlsx_response
from kexie.core.http import error_messages, join_messages
from kexie.core.scope import get_in_scope, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.identity import engine, services
from kexie.identity.forms import MergeForm, MergesForm, QueueForm
from kexie.identity.models import CandidateStatus, MatchCandidate, Merge
from kexie.people.models import Person, PersonDiscipline

PAGE_SIZE = 50
FIELD_LABELS = {
    "id": gettext_lazy("身份证号"), "name": gettext_lazy("姓名"), "birth": gettext_lazy("出生日期"),
    "gender": gettext_lazy("性别"), "employer": gettext_lazy("工作单位"), "phone": gettext_lazy("手机号"),
    "email": gettext_lazy("电子邮箱"), "discipline": gettext_lazy("学科"),
}


def _queue(request, action: str):
    form = QueueForm(request.GET)
    status = form.status_or_default()
    qs = (MatchCandidate.objects.for_user(request.user, action)
          .filter(status=status)
          .select_related("person_a__org", "person_b__org")
          .order_by("-score", "id"))
    if status == CandidateStatus.QUEUED:
        qs = qs.filter(person_a__deleted_at__isnull=True, person_b__deleted_at__isnull=True)
    return qs, status, form


QUEUE_COLUMNS = (
    Column("score", gettext_lazy("匹配概率"), ("score",), "num"),
    Column("a", gettext_lazy("人员甲"), ("person_a__name",)),
    Column("b", gettext_lazy("人员乙"), ("person_b__name",)),
    Column("born", gettext_lazy("出生日期"), css="hide-sm"),
    Column("status", gettext_lazy("状态")),
)
MERGE_COLUMNS = (
    Column("at", gettext_lazy("合并时间"), ("created_at",)),
    Column("survivor", gettext_lazy("保留人员")),
    Column("merged", gettext_lazy("并入人员")),
    Column("how", gettext_lazy("方式"), ("automatic",)),
    Column("actor", gettext_lazy("操作人")),
    Column("undo", ""),
)


@login_required
def queue(request):
    qs, status, form = _queue(request, "identity.view")
    empty = Empty(_("没有待审核的疑似重复人员。"), _("查看合并记录"), reverse("identity:merges"),
                  filtered=_("没有该状态的疑似重复人员。"))
    table = Table(request, qs, QUEUE_COLUMNS, row_template="identity/queue.html#row", filterset=form,
                  per_page=PAGE_SIZE, export_url=reverse("identity:export"), empty=empty)
    if status == CandidateStatus.QUEUED:
        table.filtered = False  # the default view: its empty state is the queue's, not a filter's
    return render(request, "identity/queue.html", {"table": table, "form": form, "status": status})


@login_required
def export(request):
    qs, _status, _form = _queue(request, "identity.export")
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
        "can_change": user_can(request.user, "identity.change", a.org_path) and user_can(request.user, "identity.change", b.org_path)
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
    candidate = get_in_scope(MatchCandidate.objects.all(), request.user, pk, "identity.change")
    form = MergeForm(request.POST, candidate=candidate)
    if not form.is_valid():
        messages.error(request, join_messages([str(e) for errs in form.errors.values() for e in errs]))
        return redirect("identity:pair", pk=candidate.pk)
    survivor = form.survivor_id()
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
    candidate = get_in_scope(MatchCandidate.objects.all(), request.user, pk, "identity.change")
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
    person = MergesForm(request.GET).person_id()
    if person is not None:  # from a person's page: the merges that record took part in
        qs = qs.filter(Q(merged_id=person) | Q(survivor_id=person))
    table = Table(request, qs, MERGE_COLUMNS, row_template="identity/merges.html#row", per_page=PAGE_SIZE,
                  empty=Empty(_("暂无合并记录。"), _("返回审核队列"), reverse("identity:queue"),
                              filtered=_("该人员没有合并记录。")))
    return render(request, "identity/merges.html", {"table": table})


@login_required
@require_POST
def undo(request, pk: int):
    record = get_in_scope(Merge.objects.all(), request.user, pk, "identity.change")
    try:
        services.undo(request.user, record)
    except ValidationError as exc:
        messages.error(request, join_messages(error_messages(exc)))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤销合并，两条记录已恢复原状。"))
    return redirect("identity:merges")
