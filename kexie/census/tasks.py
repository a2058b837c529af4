"""Background work for the census (django-tasks)."""

from django_tasks import task


@task()
def refresh_census_task() -> dict[str, object]:
    """Daily (and after bulk loads): rebuild the census summary."""
    from kexie.census.services import refresh

    state = refresh()
    return {"people": state.people, "rows": state.rows, "seconds": state.seconds}
