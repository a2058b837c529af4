import argparse
import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from kexie.demo.generator import seed as seed_province
from kexie.demo.scales import SCALES


class Command(BaseCommand):
    help = "生成演示省份数据（确定性：相同的 --seed 生成相同的数据）。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="tiny")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--people", type=int, default=None, help="覆盖该规模的人员数")
        parser.add_argument("--today", type=_date, default=None, help="数据所依据的日期（YYYY-MM-DD），默认今天")

    def handle(self, scale, seed: int, people, today=None, **options):
        if isinstance(today, str):  # given to call_command as a keyword
            try:
                today = _date(today)
            except argparse.ArgumentTypeError as exc:
                raise CommandError(str(exc)) from exc
        started = time.perf_counter()
        self.stdout.write(f"正在生成演示数据：规模 {scale}，种子 {seed} …")
        try:
            counts = seed_province(scale, seed, people, log=self.stdout.write, today=today)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        took = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"完成：组织 {counts['orgs']} 个，人员 {counts['people']} 人，个人会员 {counts['memberships']} 条，"
            f"用时 {took:.1f} 秒。"
        ))


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{value}") from exc
