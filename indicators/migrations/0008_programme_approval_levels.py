# Programmes approve in one level (as before, the default) or two: provincial, then central.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0007_donors'),
    ]

    operations = [
        migrations.AddField(
            model_name='programme',
            name='approval_levels',
            field=models.PositiveSmallIntegerField(choices=[(1, 'One: a reviewer approves'), (2, 'Two: the provincial chapter approves, then the central union accepts')], default=1, help_text='With two levels, a report counts in the figures only once the central union has accepted it. A change applies to reports submitted afterwards.', verbose_name='approval levels'),
        ),
        migrations.AddConstraint(
            model_name='programme',
            constraint=models.CheckConstraint(condition=models.Q(('approval_levels__in', [1, 2])), name='programme_approval_levels'),
        ),
    ]
