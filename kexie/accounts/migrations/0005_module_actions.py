"""The department roles get module actions (decision 0025). The scope caches follow after migrate: every cache
built before module actions has no ``actions_version``, so ``rebuild_stale_scopes`` (accounts.signals, on
post_migrate) rebuilds them all from the roles as this migration leaves them."""

from django.db import migrations


def forwards(apps, schema_editor):
    from kexie.accounts.roles import module_department_roles

    module_department_roles(apps.get_model("accounts", "Role"))


def backwards(apps, schema_editor):
    from kexie.accounts.roles import module_department_roles

    module_department_roles(apps.get_model("accounts", "Role"), back=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_department_roles")]
    operations = [migrations.RunPython(forwards, backwards)]
