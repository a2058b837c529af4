"""Daily jobs of 网上入会 (django-tasks)."""

from django_tasks import task


@task()
def joining_deadlines_task() -> dict[str, int]:
    """Remind societies of applications near their deadline; tell the organisation above about overdue ones —
    personal and group (单位入会) applications alike."""
    from kexie.members.joining.group_services import remind_and_escalate_groups
    from kexie.members.joining.services import remind_and_escalate

    counts = remind_and_escalate()
    for key, n in remind_and_escalate_groups().items():
        counts[key] = counts.get(key, 0) + n
    return counts


@task()
def dues_renewal_task() -> dict[str, int]:
    """Remind members whose dues run out within 30 days (once per period)."""
    from kexie.members.joining.services import renewal_reminders

    return renewal_reminders()
