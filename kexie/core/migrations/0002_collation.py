from django.db import migrations

from kexie.core.search import c_collate_paths


def collate(apps, schema_editor):
    c_collate_paths(schema_editor, "core_auditentry", ["scope_path"])
    c_collate_paths(schema_editor, "core_piiaccess", ["scope_path"])


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(collate, migrations.RunPython.noop)]
