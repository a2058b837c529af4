from django.db import migrations

from kexie.core.search import c_collate_paths


def collate(apps, schema_editor):
    for table in ("members_membership", "members_groupmembership", "members_leadershipbody"):
        c_collate_paths(schema_editor, table, ["org_path"])


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]
    operations = [migrations.RunPython(collate, migrations.RunPython.noop)]
