"""Background work of 科普审核: the queued publication of a scheduled item and the deadline sweep (a daily job;
``kexie kepu tick`` runs it more often)."""

from django_tasks import task


@task()
def publish_due_task(item_id: int) -> dict[str, int]:
    from kexie.kepu.review.publication import publish_due

    return {"published": int(publish_due(item_id))}


@task()
def sweep_task() -> dict[str, int]:
    from kexie.kepu.review.publication import sweep

    return sweep()
