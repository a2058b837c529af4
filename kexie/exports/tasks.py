"""Background exports (django-tasks): the job, and the daily housekeeping (``kexie daily``): files past their
expiry are deleted, jobs whose worker died are failed."""

from django_tasks import task


@task()
def run_export(job_id: int) -> dict[str, str | int]:
    from kexie.exports.services import run_job

    job = run_job(job_id)
    return {"status": job.status, "rows": job.rows_done}


@task()
def export_housekeeping_task() -> dict[str, int]:
    from kexie.exports.services import purge_expired, recover_interrupted

    interrupted = recover_interrupted()
    files = purge_expired()
    return {"interrupted": interrupted, "files": files}
