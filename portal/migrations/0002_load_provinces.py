from django.db import migrations

from portal.reference_data import load_provinces


def forwards(apps, schema_editor):
    load_provinces(apps.get_model("portal", "Province"), apps.get_model("portal", "LegacyProvince"))


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
