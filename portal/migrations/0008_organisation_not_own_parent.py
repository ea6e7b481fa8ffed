# An organisation never sits under itself (the model's clean() refuses longer cycles too).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0007_nap_report'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.CheckConstraint(condition=models.Q(('parent', models.F('pk')), _negated=True), name='organisation_not_own_parent'),
        ),
    ]
