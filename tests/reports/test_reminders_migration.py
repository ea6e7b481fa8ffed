"""Notifications become general with a migration: every notice made before it stays a report
event's notice, keeps its event and snapshot, and gets its report's organisation."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.migrating import migrate_to

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BEFORE = [("reports", "0016_offline_sync_receipts"), ("portal", "0012_audit_action_report_import")]


def test_existing_notices_stay_report_notices_with_their_organisation():
    from reports.models import Notification

    latest = list(MigrationExecutor(connection).loader.graph.leaf_nodes())
    old = migrate_to(BEFORE)
    try:
        Province = old.get_model("portal", "Province")
        Organisation = old.get_model("portal", "Organisation")
        User = old.get_model("portal", "User")
        Programme = old.get_model("indicators", "Programme")
        Period = old.get_model("reports", "ReportingPeriod")
        Report = old.get_model("reports", "ActivityReport")
        Event = old.get_model("reports", "ReportEvent")
        OldNotification = old.get_model("reports", "Notification")
        province = Province.objects.get(code="01")
        organisation = Organisation.objects.create(
            name="Hội cũ", kind="vwu_commune", province=province
        )
        user = User.objects.create(email="old@example.org")
        report = Report.objects.create(
            organisation=organisation,
            programme=Programme.objects.get(code="trusted-address"),
            period=Period.objects.get(kind="quarter", year=2026, number=2),
            province=province,
            title="Báo cáo cũ",
            status="returned",
            created_by=user,
        )
        event = Event.objects.create(
            report=report,
            actor=user,
            kind="returned",
            from_status="submitted",
            to_status="returned",
        )
        pk = OldNotification.objects.create(
            recipient=user,
            event=event,
            event_kind="returned",
            report_title="Báo cáo cũ",
            organisation_name="Hội cũ",
            programme_id=report.programme_id,
            period_id=report.period_id,
        ).pk
    finally:
        migrate_to(latest)

    notice = Notification.objects.get(pk=pk)
    assert notice.kind == Notification.Kind.EVENT
    assert notice.event_id == event.pk and notice.event_kind == "returned"
    assert notice.organisation_id == organisation.pk
    assert notice.report_title == "Báo cáo cũ" and notice.read_at is None
    assert notice.recipient.email_reminders is True
