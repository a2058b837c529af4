"""Background work for governance compliance (django-tasks)."""

from django_tasks import task


@task()
def term_reminders_task() -> dict[str, int]:
    """Daily: 换届提醒 for terms ending within 180/90/30 days and overdue terms (once per term and reminder)."""
    from kexie.governance.services import send_term_reminders

    return send_term_reminders()
