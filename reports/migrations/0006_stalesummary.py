# The stale marks (StaleSummary) lived in the catalogue app (indicators.0003_summaries) until the layers were
# separated. The table keeps its name. A database that applied indicators.0003_summaries has
# this table already: `replaces` makes Django count this migration as applied there, and run it
# only on a new database.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('indicators', '0003_summaries')]

    dependencies = [
        ('portal', '0002_load_provinces'),
        ('reports', '0005_report_history'),
    ]

    operations = [
        migrations.CreateModel(
            name='StaleSummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('marked_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reports.reportingperiod')),
                ('province', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='portal.province')),
            ],
            options={
                'db_table': 'indicators_stalesummary',
                'verbose_name': 'stale summary',
                'verbose_name_plural': 'stale summaries',
                'constraints': [models.UniqueConstraint(fields=('province', 'period'), name='stale_unique')],
            },
        ),
    ]
