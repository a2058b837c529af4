from django_tasks import task


@task()
def count_things() -> dict[str, int]:
    return {"things": 3}
