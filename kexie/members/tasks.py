"""Background work for memberships (django-tasks)."""

from django_tasks import task

from kexie.members.services import refresh_statuses


@task()
def refresh_membership_statuses() -> dict[str, int]:
    """Daily: bring every membership's status in line with its dates (宽限期, 已过期, …)."""
    return refresh_statuses()


@task()
def refresh_people_counts_task() -> int:
    """Daily safety net for the denormalised per-organisation head counts."""
    from kexie.orgs.counts import refresh_people_counts

    return refresh_people_counts()
