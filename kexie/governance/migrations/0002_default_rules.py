from django.db import migrations


def forwards(apps, schema_editor):
    from kexie.governance.defaults import load_rules

    load_rules(apps.get_model("governance", "ComplianceRule"))


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
