"""Daily job of hot topics (django-tasks; ``kexie daily``)."""

from django_tasks import task


@task()
def roll_up_terms_task() -> dict[str, int]:
    """Count yesterday's and today's searches and reads into TermDay."""
    from kexie.kepu.hot.rollup import roll_up

    return roll_up()

