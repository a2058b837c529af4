"""Background work for calls (django-tasks): the daily review-deadline reminders."""

from django_tasks import task


@task()
def remind_reviewers_task() -> dict[str, int]:
    """Daily: remind the experts with unfinished reviews of every open call in a review stage whose deadline
    is near (site notice + e-mail, once per call, stage and day)."""
    from kexie.calls.models import REVIEW_STAGES, Call, CallStatus
    from kexie.calls.review.services import remind_reviewers

    calls = list(Call.objects.filter(deleted_at__isnull=True, status=CallStatus.OPEN, current_stage__in=REVIEW_STAGES))
    return {"calls": len(calls), "notices": sum(remind_reviewers(call) for call in calls)}


@task()
def remind_project_reports_task() -> dict[str, int]:
    """Daily: remind the leaders of funded topics whose midterm or final report is due soon or overdue."""
    from kexie.calls.projects.services import remind_due

    return {"notices": remind_due()}
