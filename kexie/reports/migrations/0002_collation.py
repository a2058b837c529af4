from django.db import migrations

from kexie.core.search import c_collate_paths

TABLES = ["reports_reportform", "reports_formversion", "reports_campaign", "reports_submission",
          "reports_submissionevent", "reports_submissionvalue"]


def collate(apps, schema_editor):
    for table in TABLES:
        c_collate_paths(schema_editor, table, ["org_path"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(collate, migrations.RunPython.noop)]
