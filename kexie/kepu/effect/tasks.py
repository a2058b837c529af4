"""Daily job of view counting (django-tasks; ``kexie daily``)."""

from django_tasks import task


@task()
def flush_views_task() -> dict[str, int]:
    """Write the buffered views (a safety net beside the every-minute ``kexie kepu tick``)."""
    from kexie.kepu.effect.counter import flush

    return {"views": flush()}
