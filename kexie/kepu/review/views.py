"""Pages of 科普审核: 科普审核 (an expert's tasks, pending first; the editorial queue for editors), one task (the
expert reads the submitted version and decides), and the actions posted from the staff item page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.http import bad_request, error_messages, forbidden, join_messages, to_id
from kexie.core.scope import get_in_scope, scope_paths
from kexie.core.tables import Column, Empty, Table
from kexie.kepu.content.sanitize import clean_html
from kexie.kepu.models import Item, ItemStatus, ItemVersion, ReviewTask, TaskDecision
from kexie.kepu.review import services
from kexie.kepu.review.forms import ActForm, DecideForm

TASK_COLUMNS = (
    Column("title", gettext_lazy("作品"), ("item__title",)),
    Column("decision", gettext_lazy("结论"), ("decision",)),
    Column("due", gettext_lazy("审核期限"), ("due_at",), "hide-sm"),
    Column("assigned", gettext_lazy("分配时间"), ("assigned_at",), "hide-sm"),
)
QUEUE_COLUMNS = (
    Column("title", gettext_lazy("作品"), ("title",)),
    Column("org", gettext_lazy("发布单位"), ("org__name",), "hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("publish_at", gettext_lazy("定时发布"), ("publish_at",), "hide-sm"),
)


def is_editor(user: object) -> bool:
    return scope_paths(user, "kepu.publish") != []


@login_required
def reviews(request):
    editor = is_editor(request.user)
    tab = "editorial" if request.GET.get("tab") == "editorial" and editor else "tasks"
    if tab == "editorial":
        rows = (Item.objects.for_user(request.user, "kepu.publish").alive()
                .filter(status__in=[ItemStatus.EDITORIAL, ItemStatus.APPROVED]).select_related("org"))
        table = Table(request, rows, QUEUE_COLUMNS, row_template="kepu/review/reviews.html#queue-row",
                      default=("status", "updated_at"),
                      empty=Empty(_("没有等待编辑审核或定时发布的作品。")))
    else:
        rows = (ReviewTask.objects.filter(expert__user=request.user, expert__deleted_at__isnull=True)
                .select_related("item", "review")
                .annotate(waiting=Case(When(decision=TaskDecision.PENDING, then=Value(0)), default=Value(1),
                                       output_field=IntegerField())))
        table = Table(request, rows, TASK_COLUMNS, row_template="kepu/review/reviews.html#task-row",
                      default=("waiting", "due_at", "-assigned_at"),
                      empty=Empty(_("暂时没有分配给您的科普审核任务。")))
    pending = ReviewTask.objects.filter(expert__user=request.user, decision=TaskDecision.PENDING).count()
    return render(request, "kepu/review/reviews.html", {"table": table, "tab": tab, "editor": editor,
                                                        "pending": pending})


def _own_task(request, pk: object) -> ReviewTask:
    found = to_id(pk)
    task = (ReviewTask.objects.filter(pk=found, expert__user=request.user, expert__deleted_at__isnull=True)
            .select_related("item", "review", "expert").first() if found else None)
    if task is None or task.item.deleted_at is not None:
        raise Http404(_("记录不存在或您无权访问。"))
    return task


@login_required
def task(request, pk: int):
    task = _own_task(request, pk)
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide(request.user, task, approve=form.cleaned_data["decision"] == "approve",
                            reason=form.cleaned_data["reason"])
            messages.success(request, _("审核结论已提交。"))
            return redirect("kepu:task", pk=task.pk)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
    item = task.item
    version = ItemVersion.objects.filter(item=item, number=task.review.version).first()
    text = version or item
    return render(request, "kepu/review/task.html", {
        "task": task, "item": item, "form": form, "open": task.decision == TaskDecision.PENDING
        and task.review.status == "active",
        "title": text.title, "summary": text.summary, "body": clean_html(text.body),
        "version": task.review.version, "disciplines": item.disciplines.all(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def item_act(request, pk: int):
    item: Item = get_in_scope(Item.objects.alive(), request.user, pk, "kepu.view")
    form = ActForm(request.POST)
    if not form.is_valid():
        return bad_request(request, join_messages([str(m) for msgs in form.errors.values() for m in msgs]))
    data = form.cleaned_data
    action = data["action"]
    user = request.user
    try:
        if action == "submit":
            services.submit(user, item)
            done = _("已提交审核，审核专家已收到通知。")
        elif action == "withdraw":
            services.withdraw(user, item)
            done = _("已撤回审核。")
        elif action == "approve":
            services.editorial_approve(user, item, publish_at=data["publish_at"])
            done = _("编辑审核通过，已定时发布。") if data["publish_at"] else _("编辑审核通过，已发布。")
        elif action == "publish":
            services.publish(user, item)
            done = _("已发布。")
        elif action == "return":
            services.editorial_return(user, item, reason=data["reason"])
            done = _("已退回修改，理由已通知作者和审核专家。")
        elif action == "retract":
            services.retract(user, item, correction=data["correction"])
            done = _("已撤稿，作品已从所有公开页面撤下。")
        else:
            services.reopen(user, item)
            done = _("作品已回到草稿，可以修改后重新送审。")
    except PermissionDenied as exc:
        return forbidden(exc, request)
    except ValidationError as exc:
        return bad_request(request, join_messages(error_messages(exc)))
    messages.success(request, done)
    return redirect("kepu:item-manage", pk=item.pk)
