"""Each indicator declares the categories valid for it (a JSON declaration), replacing the three
flags that asked for a whole dimension. The catalogue review (docs/disaggregation.md) is applied to
the indicators of the catalogue CSV; an indicator an admin added keeps the dimensions it asked for,
with all their categories. Figures are brought in line by reports.0007."""

from django.db import migrations, models

import indicators.disaggregation
from indicators import disaggregation
from indicators.reference_data import _read


def declare(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    reviewed = {row["code"]: disaggregation.parse(row["disaggregations"]) for row in _read("nap_indicators.csv")}
    for indicator in Indicator.objects.all():
        if indicator.code in reviewed:
            indicator.disaggregation = reviewed[indicator.code]
        else:
            indicator.disaggregation = {
                dimension: disaggregation.full(dimension)
                for dimension in disaggregation.DIMENSIONS
                if getattr(indicator, f"by_{dimension}")
            }
        indicator.save(update_fields=["disaggregation"])


def flags(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    for indicator in Indicator.objects.all():
        asked = disaggregation.breakdown_dimensions(indicator.disaggregation or {})
        for dimension in disaggregation.DIMENSIONS:
            setattr(indicator, f"by_{dimension}", dimension in asked)
        indicator.save(update_fields=[f"by_{dimension}" for dimension in disaggregation.DIMENSIONS])


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0005_national_reporting"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicator",
            name="disaggregation",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="The categories valid for this indicator, by dimension: two or more make a breakdown (with “not recorded”), one restricts who is counted (women only), none: not asked.",
                validators=[indicators.disaggregation.normalise],
                verbose_name="disaggregation",
            ),
        ),
        migrations.RunPython(declare, flags),
        migrations.RemoveField(model_name="indicator", name="by_age"),
        migrations.RemoveField(model_name="indicator", name="by_disability"),
        migrations.RemoveField(model_name="indicator", name="by_sex"),
    ]
