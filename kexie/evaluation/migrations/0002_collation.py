from django.db import migrations

from kexie.core.search import c_collate_paths

TABLES = ["evaluation_indicatorsystem", "evaluation_evaluationrun", "evaluation_score", "evaluation_expertscore",
          "evaluation_followup"]


def collate(apps, schema_editor):
    for table in TABLES:
        c_collate_paths(schema_editor, table, ["org_path"])


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]
    operations = [migrations.RunPython(collate, migrations.RunPython.noop)]
