"""Background work of 应急科普 (django-tasks): the after-review sweep, daily and at each fast-published item's
reminder time and deadline."""

from django_tasks import task


@task()
def after_review_sweep_task() -> dict[str, int]:
    """Remind experts before an emergency item's after-review deadline and escalate (督办) once it has passed."""
    from kexie.kepu.emergency.sweep import after_review_sweep

    return after_review_sweep()
