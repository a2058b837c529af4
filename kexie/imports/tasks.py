"""Background imports (django-tasks): large uploads run here, with progress for the page's bar; and the
daily housekeeping (``kexie daily``): imports whose process died are marked failed, files holding
personal data are deleted after ``KEXIE_IMPORT_FILE_DAYS``."""

from django_tasks import task


@task()
def run_import(batch_id: int) -> dict[str, str | int]:
    from kexie.imports.services import recover_interrupted, run_batch

    recover_interrupted()  # imports left running by a worker that died are given up before new work starts
    batch = run_batch(batch_id)
    return {"status": batch.status, "created": batch.created, "updated": batch.updated,
            "errors": batch.error_count}


@task()
def import_housekeeping_task() -> dict[str, int]:
    from kexie.imports.services import purge_files, recover_interrupted

    interrupted = recover_interrupted()
    purged = purge_files()
    return {"interrupted": interrupted, "batches": purged["batches"], "files": purged["files"]}
