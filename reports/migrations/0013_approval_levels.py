# Approval levels. Every existing report gets approval_levels = 1 (the column's default fills
# the rows), so every existing approval counts as fully approved, as before: its figures stay in
# the working figures and releases. A report approved at level 1 of 2 ('approved_1') is new.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0012_spending'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='activityreport',
            name='report_status_valid',
        ),
        migrations.AddField(
            model_name='activityreport',
            name='approval_levels',
            field=models.PositiveSmallIntegerField(default=1, help_text="The levels this report needs: its programme's when it was submitted.", verbose_name='approval levels'),
        ),
        migrations.AddField(
            model_name='historicalactivityreport',
            name='approval_levels',
            field=models.PositiveSmallIntegerField(default=1, help_text="The levels this report needs: its programme's when it was submitted.", verbose_name='approval levels'),
        ),
        migrations.AlterField(
            model_name='activityreport',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('returned', 'Returned for correction'), ('approved_1', 'Approved at level 1'), ('approved', 'Approved')], default='draft', max_length=10, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='historicalactivityreport',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('returned', 'Returned for correction'), ('approved_1', 'Approved at level 1'), ('approved', 'Approved')], default='draft', max_length=10, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='event_kind',
            field=models.CharField(choices=[('created', 'Created'), ('edited', 'Edited'), ('submitted', 'Submitted'), ('withdrawn', 'Withdrawn to draft'), ('returned', 'Returned for correction'), ('approved_1', 'Approved at level 1'), ('accepted', 'Accepted at level 2'), ('approved', 'Approved'), ('reopened', 'Reopened')], max_length=12, verbose_name='event'),
        ),
        migrations.AlterField(
            model_name='reportevent',
            name='from_status',
            field=models.CharField(blank=True, choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('returned', 'Returned for correction'), ('approved_1', 'Approved at level 1'), ('approved', 'Approved')], max_length=10, verbose_name='from'),
        ),
        migrations.AlterField(
            model_name='reportevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('edited', 'Edited'), ('submitted', 'Submitted'), ('withdrawn', 'Withdrawn to draft'), ('returned', 'Returned for correction'), ('approved_1', 'Approved at level 1'), ('accepted', 'Accepted at level 2'), ('approved', 'Approved'), ('reopened', 'Reopened')], max_length=12, verbose_name='event'),
        ),
        migrations.AlterField(
            model_name='reportevent',
            name='to_status',
            field=models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('returned', 'Returned for correction'), ('approved_1', 'Approved at level 1'), ('approved', 'Approved')], max_length=10, verbose_name='to'),
        ),
        migrations.AddConstraint(
            model_name='activityreport',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'submitted', 'returned', 'approved_1', 'approved'])), name='report_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='activityreport',
            constraint=models.CheckConstraint(condition=models.Q(('approval_levels__in', [1, 2]), models.Q(models.Q(('status', 'approved_1'), _negated=True), ('approval_levels', 2), _connector='OR')), name='report_approval_levels_valid'),
        ),
    ]
