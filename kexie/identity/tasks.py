"""Background work for identity resolution (django-tasks, queue ``identity``)."""

from typing import Any

from django_tasks import task


@task(queue_name="identity")
def dedup_task(auto_threshold: float, review_threshold: float, user_id: int | None = None) -> dict[str, Any]:
    """Find duplicate people: merge the sure pairs, queue the grey zone for staff (see ``services.run_dedup``)."""
    from kexie.accounts.models import User
    from kexie.core.services import SYSTEM
    from kexie.identity.services import run_dedup

    actor = User.objects.get(pk=user_id) if user_id is not None else SYSTEM
    return run_dedup(actor, auto_threshold=auto_threshold, review_threshold=review_threshold)
