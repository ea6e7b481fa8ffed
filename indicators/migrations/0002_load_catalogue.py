from django.db import migrations

from indicators.reference_data import load_catalogue


def forwards(apps, schema_editor):
    load_catalogue(
        apps.get_model("indicators", "Indicator"),
        apps.get_model("indicators", "Target"),
        apps.get_model("indicators", "Programme"),
    )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
