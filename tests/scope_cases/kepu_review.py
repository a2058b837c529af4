"""科普审核: the expert's task page is the expert's own (city A, not the expert, gets 404 like a missing task); the
actions on an item are scoped by the item's organisation (a city-B draft is out of city A's reach); the reviews list
shows one's own tasks and the editorial queue of one's kepu.publish scope only."""

from __future__ import annotations

TABLE = {
    "kepu:reviews": ("list", None),
    "kepu:task": ("detail", "kepu_review_task"),  # the expert's own: demo-city-b is the expert here
    "kepu:item-act": ("change", "kepu_review_item"),  # POST only
}


def records(province):
    import datetime as dt

    from django.utils import timezone

    from kexie.core.services import SYSTEM
    from kexie.kepu.content import services
    from kexie.kepu.models import Review, ReviewTask
    from kexie.people.models import Person

    b = province["city_b"]
    item = services.create_item(SYSTEM, org=b, kind="article", title="B市科协送审科普稿件戊己",
                                body="<p>B市送审正文</p>")
    user = province["users"]["demo-city-b"]
    expert = Person.objects.filter(user=user).first() or Person.objects.create(
        name="B市审核专家", org=b, org_path=b.path, user=user)
    review = Review.objects.create(item=item, org_path=item.org_path, version=item.version,
                                   due_at=timezone.now() + dt.timedelta(days=5))
    task = ReviewTask.objects.create(review=review, item=item, org_path=item.org_path, expert=expert,
                                     due_at=review.due_at)
    return {"kepu_review_item": item, "kepu_review_task": task}
