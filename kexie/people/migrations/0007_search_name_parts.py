"""Partial-name search (decision 0034): every person's search tokens gain the leading and trailing parts of
the name (张, 晟达), so the stored ``search_text`` of existing people is rebuilt with the same function the
services use. The FTS5 update trigger (SQLite) and the GIN expression index (PostgreSQL) follow the column."""

from django.db import migrations

from kexie.core.search import index_text

BATCH = 2000


def rebuild_search_text(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    fields = ("id", "name", "expertise", "title", "employer_name", "position", "search_text")
    last = 0
    while True:
        batch = list(Person.objects.filter(id__gt=last).order_by("id").only(*fields)[:BATCH])
        if not batch:
            break
        changed = []
        for p in batch:
            text = index_text(names=[p.name], whole=[*(p.expertise or []), p.title],
                              segmented=[p.employer_name, p.position])
            if text != p.search_text:
                p.search_text = text
                changed.append(p)
        Person.objects.bulk_update(changed, ["search_text"])
        last = batch[-1].id


class Migration(migrations.Migration):
    dependencies = [("people", "0006_search_triggers")]
    operations = [migrations.RunPython(rebuild_search_text, migrations.RunPython.noop, elidable=True)]
