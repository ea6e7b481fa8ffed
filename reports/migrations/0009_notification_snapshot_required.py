# Every notification has its snapshot now (0008): the programme and period become required. A
# migration of its own, because PostgreSQL cannot alter a table whose rows the same transaction
# has just updated while their foreign-key checks are still pending.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0008_fill_notification_snapshot'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='programme',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='indicators.programme', verbose_name='programme'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='period',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reports.reportingperiod', verbose_name='period'),
        ),
    ]
