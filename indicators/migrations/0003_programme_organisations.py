# Which organisations run which programme was a field of Organisation (portal.0003) until the
# layers were separated: the people app cannot know the catalogue. The link is now a field of
# Programme on the same table and columns. A database that applied portal.0003 has the table:
# `replaces` makes Django count this migration as applied there, and run it only on a new one.

from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('portal', '0003_organisation_programmes')]

    dependencies = [
        ('indicators', '0002_load_catalogue'),
        ('portal', '0002_load_provinces'),
    ]

    operations = [
        migrations.AddField(
            model_name='programme',
            name='organisations',
            field=models.ManyToManyField(blank=True, db_table='portal_organisation_programmes', help_text='The organisations expected to report on this programme each period.', related_name='programmes', to='portal.organisation', verbose_name='organisations running it'),
        ),
    ]
