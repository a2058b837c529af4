from django.db import migrations


def forwards(apps, schema_editor):
    from kexie.accounts.roles import load_department_roles

    load_department_roles(apps.get_model("accounts", "Role"))


def backwards(apps, schema_editor):
    from kexie.accounts.roles import unload_department_roles

    unload_department_roles(apps.get_model("accounts", "Role"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_security")]
    operations = [migrations.RunPython(forwards, backwards)]
