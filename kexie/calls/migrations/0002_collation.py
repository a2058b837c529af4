from django.db import migrations

from kexie.core.search import c_collate_paths

TABLES = ["calls_call", "calls_quota", "calls_application", "calls_applicationevent", "calls_expertlibrary",
          "calls_expert", "calls_conflictdeclaration", "calls_reviewassignment"]


def collate(apps, schema_editor):
    for table in TABLES:
        c_collate_paths(schema_editor, table, ["org_path"])


class Migration(migrations.Migration):
    dependencies = [("calls", "0001_initial")]
    operations = [migrations.RunPython(collate, migrations.RunPython.noop)]
