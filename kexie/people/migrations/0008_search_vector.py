"""PostgreSQL: ``search_text`` as a stored generated ``tsvector`` column (``search_vector``) under the GIN index,
in place of the expression index of 0002, so that a dense search term can walk the primary key checking each row's
stored vector instead of recomputing ``to_tsvector()`` (decision 0034). SQLite keeps its FTS5 table: a no-op there."""

from django.db import migrations

from kexie.core.search import install_search_vector, remove_search_vector


def add_vector(apps, schema_editor):
    install_search_vector(schema_editor, "people_person")


def drop_vector(apps, schema_editor):
    remove_search_vector(schema_editor, "people_person")


class Migration(migrations.Migration):
    dependencies = [("people", "0007_search_name_parts")]
    operations = [migrations.RunPython(add_vector, drop_vector)]
