"""``kexie people dedup [--auto-merge-threshold X] [--review-threshold Y] [--format json] [--user NAME]``:
find the same scientist reported more than once. Runs as a background job (task queue ``identity``)
and waits for its report: pairs found, merged automatically, queued for review. When no
``kexie db_worker --queue-name identity`` picks the job up within ``--grace`` seconds, this command
claims the job as a worker would and runs it, so it also works where no worker is kept."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kexie.accounts.models import User
from kexie.core.text import join_clauses
from kexie.identity.services import DEFAULT_AUTO, DEFAULT_REVIEW
from kexie.identity.tasks import dedup_task


def _probability(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise CommandError(f"阈值应为 0 到 1 之间的数：{value}") from None
    if not 0 < x <= 1:
        raise CommandError(f"阈值应为 0 到 1 之间的数：{value}")
    return x


class Command(BaseCommand):
    help = "人员管理命令。dedup：查找重复登记的科技工作者，高于自动合并阈值的直接合并，其余疑似对进入人工审核队列。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        dedup = sub.add_parser("dedup", help="查找并合并重复人员（后台任务）")
        dedup.add_argument("--auto-merge-threshold", type=_probability, default=DEFAULT_AUTO,
                           help=f"匹配概率不低于该值时自动合并（默认 {DEFAULT_AUTO}）")
        dedup.add_argument("--review-threshold", type=_probability, default=DEFAULT_REVIEW,
                           help=f"匹配概率不低于该值时进入人工审核（默认 {DEFAULT_REVIEW}）")
        dedup.add_argument("--format", choices=["text", "json"], default="text")
        dedup.add_argument("--user", help="只在该用户的数据范围内查找（默认：全部人员）")
        dedup.add_argument("--no-wait", action="store_true", help="只提交任务，不等待结果")
        dedup.add_argument("--grace", type=float, default=3.0, help="等待任务进程接手的秒数，之后由本命令执行")
        dedup.add_argument("--timeout", type=float, default=6 * 3600, help="最长等待秒数")

    def handle(self, action, **options):
        if action == "dedup":
            self.dedup(**options)

    def dedup(self, auto_merge_threshold, review_threshold, format, user, no_wait, grace, timeout, **options):
        if review_threshold > auto_merge_threshold:
            raise CommandError("审核阈值不能高于自动合并阈值。")
        user_id = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"用户 {user} 不存在或已停用。")
            user_id = actor.pk
        result = dedup_task.enqueue(auto_merge_threshold, review_threshold, user_id)
        if no_wait:
            self.stdout.write(f"已提交任务 {result.id}（由 `kexie db_worker --queue-name identity` 执行）")
            return
        started = time.monotonic()
        worked = False
        while not result.is_finished:
            if time.monotonic() - started > timeout:
                raise CommandError(f"任务 {result.id} 未在 {timeout:.0f} 秒内完成。")
            time.sleep(0.2)
            result.refresh()
            if not worked and result.status == "READY" and time.monotonic() - started >= grace:
                _work(result.id)
                worked = True
                result.refresh()
        if result.status != "SUCCESSFUL":
            errors = join_clauses(e.traceback.strip().splitlines()[-1] for e in result.errors) or result.status
            raise CommandError(f"任务 {result.id} 失败：{errors}")
        report = {"job": str(result.id), **result.return_value}
        if format == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                f"比对 {report['records']} 条人员记录：发现疑似重复 {report['pairs_found']} 对，"
                f"自动合并 {report['merged']} 对，进入人工审核 {report['queued']} 对"
                f"（{report['seconds']} 秒）。")


def _work(result_id) -> None:
    """Claim the queued job as a worker would (``db_worker``) and run it in this process."""
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        row = DBTaskResult.objects.ready().filter(pk=result_id).select_for_update(skip_locked=True).first()
        if row is None:
            return  # a worker took it meanwhile
        row.claim("kexie-people-dedup")
    try:
        value = row.task.call(*row.task_result.args, **row.task_result.kwargs)
    except Exception as exc:  # recorded on the job, reported by the caller
        row.set_failed(exc)
    else:
        row.set_successful(value)
