# The summary models lived in the catalogue app (indicators.0003_summaries) until the layers were
# separated. Their tables keep their names. A database that applied indicators.0003_summaries has
# these tables already: `replaces` makes Django count this migration as applied there, and run it
# only on a new database.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [('indicators', '0003_summaries')]

    dependencies = [
        ('indicators', '0002_load_catalogue'),
        ('portal', '0002_load_provinces'),
        ('reports', '0006_stalesummary'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SummaryDownload',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('file_format', models.CharField(max_length=4)),
                ('filters', models.JSONField(default=dict)),
                ('rows', models.PositiveIntegerField(default=0)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'indicators_summarydownload',
                'verbose_name': 'summary download',
                'verbose_name_plural': 'summary downloads',
            },
        ),
        migrations.CreateModel(
            name='AggregationRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('cells', 'Recompute after approval'), ('reconcile', 'Reconcile stale summaries'), ('full', 'Full rebuild')], max_length=10, verbose_name='kind')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10, verbose_name='status')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='queued at')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ('cells', models.PositiveIntegerField(default=0, verbose_name='province-periods')),
                ('rows', models.PositiveIntegerField(default=0, verbose_name='summary rows')),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('period', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='reports.reportingperiod')),
                ('province', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='portal.province')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'indicators_aggregationrun',
                'verbose_name': 'aggregation run',
                'verbose_name_plural': 'aggregation runs',
                'indexes': [models.Index(fields=['-created_at'], name='aggregation_run_recent')],
            },
        ),
        migrations.CreateModel(
            name='ProvincialSummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('dimension', models.CharField(max_length=12, verbose_name='dimension')),
                ('category', models.CharField(blank=True, max_length=12, verbose_name='category')),
                ('value', models.BigIntegerField(null=True, verbose_name='value')),
                ('numerator', models.BigIntegerField(null=True, verbose_name='numerator')),
                ('denominator', models.BigIntegerField(null=True, verbose_name='denominator')),
                ('report_count', models.PositiveIntegerField(verbose_name='reports')),
                ('organisation_count', models.PositiveIntegerField(verbose_name='organisations')),
                ('computed_at', models.DateTimeField(verbose_name='computed at')),
                ('indicator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='summaries', to='indicators.indicator', verbose_name='indicator')),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reports.reportingperiod', verbose_name='period')),
                ('province', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='portal.province', verbose_name='province')),
            ],
            options={
                'db_table': 'indicators_provincialsummary',
                'verbose_name': 'provincial summary',
                'verbose_name_plural': 'provincial summaries',
                'indexes': [models.Index(fields=['period', 'indicator'], name='summary_period_indicator')],
                'constraints': [models.UniqueConstraint(fields=('province', 'period', 'indicator', 'dimension', 'category'), name='summary_unique_cell')],
            },
        ),
    ]
