"""Background work of individual accounts (django-tasks)."""

from django_tasks import task

from kexie.signup.services import carry_out_due


@task()
def carry_out_deletions() -> dict[str, int]:
    """Daily: carry out the deletion requests whose 15-day grace period has passed; drop day-old codes."""
    return carry_out_due()
