# Fills the snapshot of notifications made before 0007 from their report: the title as the
# report's history had it when the event happened (the current title if no history is that old),
# the organisation's name, the programme and period, and the event's kind.

from django.db import migrations


def fill_snapshots(apps, schema_editor):
    Notification = apps.get_model('reports', 'Notification')
    ReportEvent = apps.get_model('reports', 'ReportEvent')
    HistoricalReport = apps.get_model('reports', 'HistoricalActivityReport')
    event_ids = Notification.objects.values_list('event_id', flat=True).distinct()
    events = ReportEvent.objects.filter(pk__in=event_ids).select_related('report__organisation')
    for event in events.iterator(chunk_size=500):
        report = event.report
        title_then = (
            HistoricalReport.objects.filter(id=report.pk, history_date__lte=event.created_at)
            .order_by('-history_date', '-history_id')
            .values_list('title', flat=True)
            .first()
        )
        Notification.objects.filter(event_id=event.pk).update(
            event_kind=event.kind,
            report_title=title_then or report.title,
            organisation_name=report.organisation.name,
            programme_id=report.programme_id,
            period_id=report.period_id,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0007_notification_snapshot'),
    ]

    operations = [
        migrations.RunPython(fill_snapshots, migrations.RunPython.noop, elidable=True),
    ]
