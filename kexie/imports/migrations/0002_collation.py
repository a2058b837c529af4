from django.db import migrations

from kexie.core.search import c_collate_paths


def collate(apps, schema_editor):
    c_collate_paths(schema_editor, "imports_importbatch", ["org_path"])


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_initial")]
    operations = [migrations.RunPython(collate, migrations.RunPython.noop)]
