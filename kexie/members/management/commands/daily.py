"""``kexie daily``: enqueue the daily jobs (run it from cron or a systemd timer once a day)."""

from django.core.management.base import BaseCommand

from kexie.calls.tasks import remind_project_reports_task, remind_reviewers_task
from kexie.census.tasks import refresh_census_task
from kexie.core.text import join_list
from kexie.governance.tasks import term_reminders_task
from kexie.imports.tasks import import_housekeeping_task
from kexie.innovation.tasks import escalate_dispatches_task, rebuild_match_index_task, refresh_stations_task
from kexie.members.tasks import refresh_membership_statuses, refresh_people_counts_task
from kexie.orgs.counts import refresh_people_counts
from kexie.reports.tasks import send_report_reminders


class Command(BaseCommand):
    help = "提交每日任务：按日期刷新会员状态（宽限期、已过期等）、底数汇总、换届提醒、填报截止提醒、评审截止提醒、课题报告提醒、派单超期督办，以及中断导入的处理和到期导入文件的删除。建议由 cron 每天运行一次。"

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="在当前进程中立即执行，而不是提交到任务队列")

    def handle(self, now: bool, **options):
        if now:
            refresh_people_counts()
            counts = refresh_membership_statuses.call()
            self.stdout.write("会员状态已刷新：" + join_list(f"{k} {v}" for k, v in counts.items()))
            census = refresh_census_task.call()
            self.stdout.write(f"底数汇总已更新：{census['people']} 人，{census['rows']} 行。")
            reminders = term_reminders_task.call()
            self.stdout.write(f"换届提醒：{reminders['terms']} 个届次，新发通知 {reminders['notices']} 条。")
            sent = send_report_reminders.call()
            self.stdout.write("填报提醒：" + join_list(f"{k} {v}" for k, v in sent.items()))
            reviews = remind_reviewers_task.call()
            self.stdout.write(f"评审提醒：{reviews['calls']} 个批次，新发通知 {reviews['notices']} 条。")
            projects = remind_project_reports_task.call()
            self.stdout.write(f"课题报告提醒：新发通知 {projects['notices']} 条。")
            overdue = escalate_dispatches_task.call()
            self.stdout.write(f"派单督办：提醒 {overdue['reminded']} 单，上报督办 {overdue['escalated']} 单。")
            stations = refresh_stations_task.call()
            self.stdout.write(f"工作站：协议到期 {stations['expired']} 个，恢复运行 {stations['reactivated']} 个。")
            index = rebuild_match_index_task.call()
            self.stdout.write(f"专家匹配索引已重建：{index['people']} 人。")
            imports = import_housekeeping_task.call()
            self.stdout.write(f"数据导入：中断的批次 {imports['interrupted']} 个，删除到期文件 {imports['files']} 个"
                              f"（{imports['batches']} 个批次）。")
            return
        ids = [refresh_membership_statuses.enqueue().id, refresh_people_counts_task.enqueue().id,
               refresh_census_task.enqueue().id, term_reminders_task.enqueue().id,
               send_report_reminders.enqueue().id, remind_reviewers_task.enqueue().id,
               remind_project_reports_task.enqueue().id, escalate_dispatches_task.enqueue().id,
               refresh_stations_task.enqueue().id, rebuild_match_index_task.enqueue().id,
               import_housekeeping_task.enqueue().id]
        self.stdout.write(f"已提交任务 {join_list(ids)}（由 `kexie db_worker` 执行）")
