"""``kexie daily``: enqueue the daily jobs every installed app declares (``daily_jobs`` in its apps.py,
decision 0021). Run it from cron or a systemd timer once a day."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kexie.core.registry import daily_jobs
from kexie.core.text import join_list


class Command(BaseCommand):
    help = "提交每日任务：按日期刷新会员状态（宽限期、已过期等）、底数汇总、换届提醒、填报截止提醒、评审截止提醒、课题报告提醒、派单超期督办，以及中断导入的处理和到期导入文件的删除。建议由 cron 每天运行一次。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="在当前进程中立即执行，而不是提交到任务队列")

    def handle(self, now: bool, **options: Any) -> None:
        jobs = daily_jobs()
        if now:
            for job in jobs:
                line = job.describe(job.load().call())
                if line:
                    self.stdout.write(line)
            return
        ids = [job.load().enqueue().id for job in jobs]
        self.stdout.write(f"已提交任务 {join_list(ids)}（由 `kexie db_worker` 执行）")
