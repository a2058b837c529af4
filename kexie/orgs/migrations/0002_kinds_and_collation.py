from django.db import migrations

from kexie.core.search import c_collate_paths


def forwards(apps, schema_editor):
    from kexie.orgs.kinds import load_kinds

    load_kinds(apps.get_model("orgs", "OrgKind"))


def collate(apps, schema_editor):
    c_collate_paths(schema_editor, "orgs_organisation", ["path"])


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RunPython(collate, migrations.RunPython.noop),
    ]
