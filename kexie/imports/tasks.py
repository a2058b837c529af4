"""Background imports (django-tasks): large uploads run here, with progress for the page's bar."""

from django_tasks import task


@task()
def run_import(batch_id: int) -> dict:
    from kexie.imports.services import run_batch

    batch = run_batch(batch_id)
    return {"status": batch.status, "created": batch.created, "updated": batch.updated,
            "errors": batch.error_count}
