"""Background work for reporting (django-tasks): the daily deadline reminders."""

from django_tasks import task


@task()
def send_report_reminders() -> dict[str, int]:
    """Daily: remind the filers that have not submitted, ``remind_days`` before each campaign's
    deadline and once when it has passed (site notice + e-mail, once per key)."""
    from kexie.reports.services import send_reminders

    return send_reminders()
