# Background evaluation runs with a status and progress (decision 0047).

from django.db import migrations, models
from django.db.models import F


def finished_runs(apps, schema_editor):
    """Runs made before background runs were finished in one go: all of their organisations were scored."""
    run = apps.get_model("evaluation", "EvaluationRun")
    run.objects.update(orgs_done=F("organisations"), finished_at=F("run_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0002_collation'),
    ]

    operations = [
        migrations.AddField(
            model_name='evaluationrun',
            name='beat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='最近进度'),
        ),
        migrations.AddField(
            model_name='evaluationrun',
            name='error',
            field=models.TextField(blank=True, max_length=2000, verbose_name='失败原因'),
        ),
        migrations.AddField(
            model_name='evaluationrun',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='完成时间'),
        ),
        migrations.AddField(
            model_name='evaluationrun',
            name='orgs_done',
            field=models.PositiveIntegerField(default=0, verbose_name='已评价组织数'),
        ),
        migrations.AddField(
            model_name='evaluationrun',
            name='status',
            field=models.CharField(choices=[('queued', '排队中'), ('running', '进行中'), ('done', '完成'), ('failed', '失败')], default='done', max_length=10, verbose_name='状态'),
        ),
        migrations.RunPython(finished_runs, migrations.RunPython.noop),
    ]
