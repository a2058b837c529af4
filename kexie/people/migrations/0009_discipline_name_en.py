"""English names of the disciplines (decision 0045): the field, and the names of the rows migration 0002 loaded."""

from django.db import migrations, models


def english_names(apps, schema_editor):
    from kexie.people.disciplines import load_english_names

    load_english_names(apps.get_model("people", "Discipline"))


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0008_search_vector'),
    ]

    operations = [
        migrations.AddField(
            model_name='discipline',
            name='name_en',
            field=models.CharField(blank=True, max_length=120, verbose_name='英文名称'),
        ),
        migrations.RunPython(english_names, migrations.RunPython.noop),
    ]
