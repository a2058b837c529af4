"""Background work of 科普大屏 (django-tasks)."""

from django_tasks import task


@task()
def silent_screens_task() -> dict[str, int]:
    """Daily: notify the managing organisations of screens silent for more than a day (once per silent spell)."""
    from kexie.kepu.screens.services import notify_silent

    return notify_silent()
