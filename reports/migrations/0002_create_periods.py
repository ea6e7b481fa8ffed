from django.db import migrations

from reports.periods import default_deadline, period_dates

NAP_YEARS = range(2024, 2031)  # NAP-WPS 2024-2030


def forwards(apps, schema_editor):
    ReportingPeriod = apps.get_model("reports", "ReportingPeriod")
    for year in NAP_YEARS:
        for kind, count in (("quarter", 4), ("month", 12)):
            for number in range(1, count + 1):
                start, end = period_dates(kind, year, number)
                ReportingPeriod.objects.get_or_create(
                    kind=kind,
                    year=year,
                    number=number,
                    defaults={
                        "start_date": start,
                        "end_date": end,
                        "deadline_date": default_deadline(end),
                    },
                )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
