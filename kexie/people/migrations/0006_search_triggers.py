"""0003 rebuilt people_person on SQLite (copy, drop, rename), which dropped the FTS5 row triggers: people
written afterwards were never indexed, so search missed them until ``kexie seed`` put the triggers back. This
puts them back and rebuilds the index from the table. ``post_migrate`` checks the same after every migrate
(kexie.core.search.ensure_sqlite_search_triggers), so a later rebuild cannot lose them silently."""

from django.db import migrations

from kexie.core.search import ensure_sqlite_search_triggers, install_search_index, sqlite_search_tables


def restore_triggers(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":  # PostgreSQL's GIN index (0002) survives ALTER TABLE
        return
    if ("people_person", "search_text") not in sqlite_search_tables(connection):
        install_search_index(schema_editor, "people_person")
        schema_editor.execute("INSERT INTO people_person_fts(people_person_fts) VALUES('rebuild')")
    ensure_sqlite_search_triggers(connection)


class Migration(migrations.Migration):
    dependencies = [("people", "0005_person_merged_into")]
    operations = [migrations.RunPython(restore_triggers, migrations.RunPython.noop)]
