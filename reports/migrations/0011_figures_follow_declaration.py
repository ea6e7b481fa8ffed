"""Figures follow the disaggregation each indicator now declares (indicators.0006), losing no
number: cells of a category no longer valid (CR-01's child age bands, the 0-5 band of PH-03 and
AT-02) are added to "not recorded"; the ratio indicators broken down for the first time (PRO-01,
PRO-02, PRO-03, PRO-05) get a "not recorded" cell holding each whole figure. Every change is in
the figures' history with its reason; the summaries of approved reports changed are marked stale,
so the reconciler (or `manage.py aggregate --full`) recomputes them. See docs/disaggregation.md."""

from django.db import migrations

from reports.disaggregation import conform_figures


def conform(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    conform_figures(
        Indicator.objects.order_by("code"),
        figure_model=apps.get_model("reports", "Figure"),
        history_model=apps.get_model("reports", "HistoricalFigure"),
        stale_model=apps.get_model("reports", "StaleSummary"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0010_years_and_national_reports"),
        ("indicators", "0006_disaggregation_declaration"),
    ]

    operations = [
        # Not reversible: the old cells are in the figures' history, not put back.
        migrations.RunPython(conform, migrations.RunPython.noop),
    ]
