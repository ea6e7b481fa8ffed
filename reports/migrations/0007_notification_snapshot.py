# A notification keeps what its report was when the notice was made (title, organisation,
# programme, period, what happened), so that the page and the e-mails never show the report as it
# is now. 0008 fills existing rows; 0009 then makes the programme and period required.

import django.db.models.deletion
from django.db import migrations, models

EVENT_KINDS = [
    ('created', 'Created'),
    ('edited', 'Edited'),
    ('submitted', 'Submitted'),
    ('withdrawn', 'Withdrawn to draft'),
    ('returned', 'Returned for correction'),
    ('approved', 'Approved'),
    ('reopened', 'Reopened'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0003_programme_organisations'),
        ('reports', '0006_stalesummary'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='event_kind',
            field=models.CharField(choices=EVENT_KINDS, default='', max_length=12, verbose_name='event'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='notification',
            name='report_title',
            field=models.CharField(default='', max_length=200, verbose_name='report title'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='notification',
            name='organisation_name',
            field=models.CharField(default='', max_length=200, verbose_name='organisation'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='notification',
            name='programme',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='indicators.programme', verbose_name='programme'),
        ),
        migrations.AddField(
            model_name='notification',
            name='period',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reports.reportingperiod', verbose_name='period'),
        ),
    ]
