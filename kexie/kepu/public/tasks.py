"""Background work of delivery (django-tasks): the precise push of a published item."""

from django_tasks import task


@task()
def push_item_task(item_id: int) -> dict[str, int]:
    """Tell the subscribers of a newly published item (``push.push_item``)."""
    from kexie.kepu.public.push import push_item

    return {"item": item_id, "notices": push_item(item_id)}
