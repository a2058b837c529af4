"""科普知识审核: experts picked from the 科普 expert library, reviews with reasons that reach the author and earlier
reviewers, the editorial stage, scheduled publication, retraction, deadlines, one active round, scope."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kexie.kepu.models import Item, ItemStatus, Review, ReviewTask, RoundStatus, Stage, TaskDecision
from kexie.kepu.review import services
from kexie.kepu.review.experts import pick_reviewers
from kexie.notices.models import Notification
from tests import kepu_review_seed as seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(province):
    return seed.build()


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def keys(user, prefix: str) -> list[str]:
    return list(Notification.objects.filter(user=user, key__startswith=prefix).values_list("key", flat=True))


def task_of(item, user) -> ReviewTask:
    return ReviewTask.objects.get(item=item, expert__user=user, review__status=RoundStatus.ACTIVE)


# ---- experts ------------------------------------------------------------------------------------------
def test_pick_reviewers_ranks_by_discipline_and_avoids_the_authors_employer(world):
    item = seed.draft(world)
    picked = pick_reviewers(item, 5)
    users = [p.user for p, _score in picked]
    assert world.conflicted not in users  # 江淮理工大学 = the author's 江淮理工大学（东校区）
    assert world.author not in users
    assert users[:2] == world.experts[:2]  # the two with the item's discipline come first
    assert picked[0][1] == pytest.approx(1.0) and picked[-1][1] < picked[0][1]


def test_open_load_breaks_ties(world):
    first = seed.draft(world, title="第一篇")
    services.submit(world.author, first)  # one task for the top expert
    second = seed.draft(world, title="第二篇")
    (person, _score), = pick_reviewers(second, 1)
    busy = ReviewTask.objects.get(item=first).expert
    assert person.pk != busy.pk and person.user in world.experts


def test_submit_is_refused_when_no_expert_can_review(world):
    world.library.experts.update(available=False)
    item = seed.draft(world)
    with pytest.raises(ValidationError, match="科普专家库中没有可回避冲突的专家"):
        services.submit(world.author, item)
    item.refresh_from_db()
    assert item.status == ItemStatus.DRAFT and not Review.objects.filter(item=item).exists()


# ---- submit and decide ----------------------------------------------------------------------------------
def test_health_items_get_two_reviewers_and_a_return_reaches_author_and_the_other_reviewer(world):
    item = seed.draft(world, health=True)
    review = services.submit(world.author, item)
    tasks = list(review.tasks.select_related("expert__user"))
    assert len(tasks) == 2
    one, two = (t.expert.user for t in tasks)
    assert keys(one, "kepu-review-task-") and keys(two, "kepu-review-task-")
    assert review.due_at is not None and review.due_at > timezone.now() + dt.timedelta(days=4)
    services.decide(one, task_of(item, one), approve=True, reason="科学表述准确")
    item.refresh_from_db()
    assert item.status == ItemStatus.SCIENCE  # the second expert has not decided
    services.decide(two, task_of(item, two), approve=False, reason="疫苗有效率的数据需要注明出处")
    item.refresh_from_db()
    review.refresh_from_db()
    assert item.status == ItemStatus.RETURNED
    assert review.status == RoundStatus.RETURNED and review.reason == "疫苗有效率的数据需要注明出处"
    assert keys(world.author, "kepu-returned-") and keys(one, "kepu-returned-")
    body = Notification.objects.get(user=world.author, key__startswith="kepu-returned-").body
    assert "疫苗有效率的数据需要注明出处" in body
    # the author reads the reason on the item's staff page
    page = client_for(world.author).get(reverse("kepu:item-manage", args=[item.pk]))
    assert page.status_code == 200 and "疫苗有效率的数据需要注明出处" in page.content.decode()


def test_a_return_needs_a_reason_and_the_page_changes_nothing_without_one(world):
    item = seed.draft(world)
    services.submit(world.author, item)
    expert = world.experts[0]
    task = task_of(item, expert)
    with pytest.raises(ValidationError):
        services.decide(expert, task, approve=False, reason="   ")
    response = client_for(expert).post(reverse("kepu:task", args=[task.pk]), {"decision": "return", "reason": ""})
    assert response.status_code == 400 and "退回修改必须填写理由" in response.content.decode()
    task.refresh_from_db()
    assert task.decision == TaskDecision.PENDING


def test_only_the_tasks_expert_decides_and_sees_it(world):
    item = seed.draft(world)
    services.submit(world.author, item)
    task = task_of(item, world.experts[0])
    with pytest.raises(PermissionDenied):
        services.decide(world.experts[1], task, approve=True)
    assert client_for(world.experts[1]).get(reverse("kepu:task", args=[task.pk])).status_code == 404
    assert client_for(world.editor).get(reverse("kepu:task", args=[task.pk])).status_code == 404
    page = client_for(world.experts[0]).get(reverse("kepu:task", args=[task.pk]))
    assert page.status_code == 200 and "接种流感疫苗是预防流感最有效的手段" in page.content.decode()
    assert client_for(world.experts[0]).get("/kepu/reviews/tasks/99999999999999999999/").status_code == 404


def _through_science(world, item):
    services.submit(world.author, item)
    expert = world.experts[0]
    services.decide(expert, task_of(item, expert), approve=True)
    item.refresh_from_db()
    return expert


def test_science_pass_goes_to_the_editors_and_an_editorial_return_reaches_the_reviewers(world):
    item = seed.draft(world)
    expert = _through_science(world, item)
    assert item.status == ItemStatus.EDITORIAL
    review = Review.objects.get(item=item, status=RoundStatus.ACTIVE)
    assert review.stage == Stage.EDITORIAL
    assert keys(world.editor, "kepu-editorial-")
    with pytest.raises(PermissionDenied):
        services.editorial_approve(world.author, item)  # an author is no editor
    services.editorial_return(world.editor, item, reason="标题过长，请精简")
    item.refresh_from_db()
    assert item.status == ItemStatus.RETURNED
    assert keys(world.author, "kepu-returned-") and keys(expert, "kepu-returned-")
    # revised and resubmitted: a new round, the earlier reason kept
    services.submit(world.author, item)
    assert Review.objects.filter(item=item).count() == 2
    assert Review.objects.get(item=item, status=RoundStatus.RETURNED).reason == "标题过长，请精简"


def test_scheduled_publication_happens_only_when_due(world):
    item = seed.draft(world)
    _through_science(world, item)
    when = timezone.now() + dt.timedelta(hours=3)
    services.editorial_approve(world.editor, item, publish_at=when)
    item.refresh_from_db()
    assert item.status == ItemStatus.APPROVED and not Item.objects.for_public().filter(pk=item.pk).exists()
    assert services.sweep(now=timezone.now())["published"] == 0
    assert services.sweep(now=when + dt.timedelta(minutes=1))["published"] == 1
    item.refresh_from_db()
    assert item.status == ItemStatus.PUBLISHED and Item.objects.for_public().filter(pk=item.pk).exists()
    assert keys(world.author, "kepu-published-")


def test_publish_now_then_retract_removes_it_from_public(world):
    item = seed.draft(world)
    expert = _through_science(world, item)
    services.editorial_approve(world.editor, item)
    assert Item.objects.for_public().filter(pk=item.pk).exists()
    with pytest.raises(ValidationError):
        services.retract(world.editor, item, correction="")
    services.retract(world.editor, item, correction="文中疫苗接种年龄有误，已撤稿更正。")
    item.refresh_from_db()
    assert item.status == ItemStatus.RETRACTED and item.retracted_at is not None
    assert not Item.objects.for_public().filter(pk=item.pk).exists()
    assert keys(world.author, "kepu-retracted-") and keys(expert, "kepu-retracted-")
    services.reopen(world.author, item)
    item.refresh_from_db()
    assert item.status == ItemStatus.DRAFT


def test_lifecycle_signals_are_sent_after_commit(world, django_capture_on_commit_callbacks):
    from kexie.kepu.signals import item_published, item_retracted

    seen = []

    def published(sender, item, **kw):
        seen.append(("published", item.pk))

    def retracted(sender, item, **kw):
        seen.append(("retracted", item.pk))

    item_published.connect(published)
    item_retracted.connect(retracted)
    try:
        item = seed.draft(world)
        _through_science(world, item)
        with django_capture_on_commit_callbacks(execute=True):
            services.editorial_approve(world.editor, item)
        with django_capture_on_commit_callbacks(execute=True):
            services.retract(world.editor, item, correction="更正")
    finally:
        item_published.disconnect(published)
        item_retracted.disconnect(retracted)
    assert seen == [("published", item.pk), ("retracted", item.pk)]


# ---- deadlines --------------------------------------------------------------------------------------------
def test_reminder_before_the_deadline_and_escalation_to_the_parents_editors_after_it(world, province):
    item = seed.draft(world)
    review = services.submit(world.author, item)
    task = review.tasks.get()
    now = timezone.now()
    ReviewTask.objects.filter(pk=task.pk).update(due_at=now + dt.timedelta(hours=12))
    assert services.sweep(now=now)["reminded"] == 1
    assert keys(task.expert.user, "kepu-review-due-")
    assert services.sweep(now=now)["reminded"] == 0  # once
    Review.objects.filter(pk=review.pk).update(due_at=now - dt.timedelta(hours=1))
    assert services.sweep(now=now)["escalated"] == 1
    assert keys(province["users"]["demo-province"], "kepu-overdue-")  # the province, parent of city A
    assert not keys(world.editor, "kepu-overdue-")


# ---- one active round --------------------------------------------------------------------------------------
def test_the_database_allows_one_active_round_and_submit_says_so_in_chinese(world):
    item = seed.draft(world)
    Review.objects.create(item=item, org_path=item.org_path, version=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(item=item, org_path=item.org_path, version=1)
    with pytest.raises(ValidationError, match="已有进行中的审核"):
        services.submit(world.author, item)
    item.refresh_from_db()
    assert item.status == ItemStatus.DRAFT and ReviewTask.objects.filter(item=item).count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between threads: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submits_open_one_round():
    from tests.conftest import seed_tiny

    seed_tiny()  # an earlier transactional test of this worker may have flushed the database
    world = seed.build()
    item = seed.draft(world)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            services.submit(world.author, Item.objects.get(pk=item.pk))
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "ok" and outcomes.count("ok") == 1
    assert "提交审核" in [o for o in outcomes if o != "ok"][0]
    assert Review.objects.filter(item=item, status=RoundStatus.ACTIVE).count() == 1


# ---- pages --------------------------------------------------------------------------------------------------
def test_item_act_is_scoped_a_city_a_editor_cannot_act_on_a_city_b_item(world, province):
    b_item = seed.draft(world, actor=province["users"]["demo-city-b"], org=world.b)
    url = reverse("kepu:item-act", args=[b_item.pk])
    assert client_for(world.editor).post(url, {"action": "submit"}).status_code == 404
    assert client_for(world.editor).post(url, {"action": "retract", "correction": "x"}).status_code == 404
    b_item.refresh_from_db()
    assert b_item.status == ItemStatus.DRAFT


def test_the_item_page_buttons_and_actions(world):
    item = seed.draft(world)
    author, editor = client_for(world.author), client_for(world.editor)
    manage = reverse("kepu:item-manage", args=[item.pk])
    act = reverse("kepu:item-act", args=[item.pk])
    assert 'value="submit"' in author.get(manage).content.decode()
    response = author.post(act, {"action": "submit"})
    assert response.status_code == 302 and response["Location"] == manage
    item.refresh_from_db()
    assert item.status == ItemStatus.SCIENCE
    refused = author.post(act, {"action": "submit"})
    assert refused.status_code == 400 and "只有草稿或退回修改的作品可以提交审核" in refused.content.decode()
    services.decide(world.experts[0], task_of(item, world.experts[0]), approve=True)
    assert 'value="approve"' not in author.get(manage).content.decode()
    assert 'value="approve"' in editor.get(manage).content.decode()
    assert author.post(act, {"action": "approve"}).status_code == 403
    past = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    bad = editor.post(act, {"action": "approve", "publish_at": past})
    assert bad.status_code == 400 and "定时发布的时间必须晚于现在" in bad.content.decode()
    assert editor.post(act, {"action": "bogus\x00"}).status_code == 400
    assert editor.post(act, {"action": "approve", "reason": "x" * 5000}).status_code == 400
    assert editor.post(act, {"action": "approve"}).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.PUBLISHED
    page = editor.get(manage).content.decode()
    assert 'value="retract"' in page and "data-confirm" in page
    assert 'value="retract"' not in author.get(manage).content.decode()
    assert editor.post(act, {"action": "retract", "correction": ""}).status_code == 400
    assert editor.post(act, {"action": "retract", "correction": "数据有误"}).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.RETRACTED


def test_reviews_page_lists_my_tasks_pending_first_and_the_editorial_queue(world):
    first = seed.draft(world, title="已审完的作品")
    _through_science(world, first)
    second = seed.draft(world, title="待我审核的作品")
    services.submit(world.author, second)
    expert = ReviewTask.objects.get(item=second).expert.user
    page = client_for(expert).get(reverse("kepu:reviews")).content.decode()
    if expert == world.experts[0]:
        assert page.index("待我审核的作品") < page.index("已审完的作品")
    else:
        assert "待我审核的作品" in page
    queue = client_for(world.editor).get(reverse("kepu:reviews") + "?tab=editorial").content.decode()
    assert "已审完的作品" in queue and "待我审核的作品" not in queue
    assert client_for(world.author).get(reverse("kepu:reviews") + "?tab=editorial").status_code == 200


def test_menu_and_desk(world):
    from kexie.kepu.desk import todos
    from kexie.kepu.review.menu import reviewer

    assert reviewer(world.experts[0]) and reviewer(world.editor) and not reviewer(world.author)
    item = seed.draft(world)
    services.submit(world.author, item)
    expert = ReviewTask.objects.get(item=item).expert.user
    lines = todos(expert)
    assert [t.count for t in lines] == [1] and lines[0].url == reverse("kepu:task",
                                                                         args=[ReviewTask.objects.get(item=item).pk])
    services.decide(expert, task_of(item, expert), approve=True)
    assert any(t.count == 1 and str(item.pk) in t.url for t in todos(world.editor))


def test_the_author_withdraws_a_review_and_another_writer_may_not(world):
    from kexie.accounts.services import grant_role
    from kexie.core.services import SYSTEM

    item = seed.draft(world)
    review = services.submit(world.author, item)
    other = seed._user("kp-writer-2", "另一位撰稿人")
    grant_role(SYSTEM, other, world.a, "kp-writer")
    with pytest.raises(PermissionDenied):
        services.withdraw(other, item)
    services.withdraw(world.author, item)
    item.refresh_from_db()
    review.refresh_from_db()
    assert item.status == ItemStatus.DRAFT and review.status == RoundStatus.WITHDRAWN
    assert review.tasks.get().decision == TaskDecision.RELEASED
    with pytest.raises(ValidationError):
        services.decide(review.tasks.get().expert.user, review.tasks.get(), approve=True)
