from django.db import migrations

from kexie.core.search import c_collate_paths, install_search_index


def search_index(apps, schema_editor):
    install_search_index(schema_editor, "people_person")
    c_collate_paths(schema_editor, "people_person", ["org_path"])


def disciplines(apps, schema_editor):
    from kexie.people.disciplines import load_disciplines

    load_disciplines(apps.get_model("people", "Discipline"))


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [
        migrations.RunPython(search_index, migrations.RunPython.noop),
        migrations.RunPython(disciplines, migrations.RunPython.noop),
    ]
