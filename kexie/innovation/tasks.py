"""Background work of 数字科创 (django-tasks): the daily escalation of overdue dispatches."""

from django_tasks import task


@task()
def escalate_dispatches_task() -> dict[str, int]:
    """Daily (and safe to run hourly): remind societies whose dispatch is overdue, then tell the association
    above (督办) two days later; once per dispatch and level."""
    from kexie.innovation.needs.dispatches import escalate_overdue

    return escalate_overdue()


@task()
def refresh_stations_task() -> dict[str, int]:
    """Daily: workstations whose agreement has ended become 协议到期 (and back to 运行中 when extended)."""
    from kexie.innovation.stations.metrics import refresh_station_statuses

    return refresh_station_statuses()


@task()
def rebuild_match_index_task() -> dict[str, int]:
    """Rebuild the expert-matching index from the registry (daily, and a few minutes after a bulk change)."""
    from kexie.innovation.matching.store import build_index

    index = build_index()
    return {"people": int(index.size)}


def schedule_index_rebuild() -> None:
    """After a bulk change to people (imports, rollbacks, merges): once it commits, queue one index rebuild five
    minutes later unless one is already waiting; with a backend that cannot defer, rebuild at once."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    def enqueue() -> None:
        from django_tasks_db.models import DBTaskResult

        if not rebuild_match_index_task.get_backend().supports_defer:
            rebuild_match_index_task.enqueue()
        elif not DBTaskResult.objects.filter(task_path=rebuild_match_index_task.module_path, status="READY").exists():
            rebuild_match_index_task.using(run_after=timezone.now() + dt.timedelta(minutes=5)).enqueue()

    transaction.on_commit(enqueue)
