"""Background work of 数字科创 (django-tasks): the daily escalation of overdue dispatches."""

from django_tasks import task


@task()
def escalate_dispatches_task() -> dict[str, int]:
    """Daily (and safe to run hourly): remind societies whose dispatch is overdue, then tell the association
    above (督办) two days later; once per dispatch and level."""
    from kexie.innovation.services import escalate_overdue

    return escalate_overdue()


@task()
def refresh_stations_task() -> dict[str, int]:
    """Daily: workstations whose agreement has ended become 协议到期 (and back to 运行中 when extended)."""
    from kexie.innovation.stations import refresh_station_statuses

    return refresh_station_statuses()
