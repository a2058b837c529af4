"""Background evaluation runs (django-tasks, decision 0047): a run started from /evaluation/ is queued and
performed here, writing its progress on the run row while the page polls it."""

from django_tasks import task


@task()
def run_evaluation_task(run_id: int) -> dict[str, str | int]:
    from kexie.evaluation.services import perform_run

    run = perform_run(run_id)
    return {"status": run.status, "organisations": run.orgs_done}
