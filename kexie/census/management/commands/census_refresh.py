"""``kexie manage census_refresh``: rebuild the census summary now (e.g. after a bulk load)."""

from django.core.management.base import BaseCommand

from kexie.census.services import refresh


class Command(BaseCommand):
    help = "重建科技工作者底数汇总（批量导入后或需要立即更新时运行）。"

    def handle(self, **options):
        state = refresh()
        self.stdout.write(f"底数汇总已更新：{state.people} 人，{state.rows} 行，用时 {state.seconds} 秒。")
