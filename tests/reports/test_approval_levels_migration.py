"""Approval levels arrive with a migration: every report approved before it counts as fully
approved after it (its figures stay in the working figures and releases), and nothing else moves."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.migrating import migrate_to

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BEFORE = [("reports", "0012_spending")]


def test_every_existing_approval_counts_as_fully_approved():
    from reports.models import ActivityReport

    latest = list(MigrationExecutor(connection).loader.graph.leaf_nodes())
    old = migrate_to(BEFORE)
    try:
        Province = old.get_model("portal", "Province")
        Organisation = old.get_model("portal", "Organisation")
        User = old.get_model("portal", "User")
        Programme = old.get_model("indicators", "Programme")
        Period = old.get_model("reports", "ReportingPeriod")
        Report = old.get_model("reports", "ActivityReport")
        province = Province.objects.get(code="01")
        organisation = Organisation.objects.create(
            name="Hội cũ", kind="vwu_commune", province=province
        )
        user = User.objects.create(email="old@example.org")
        programme = Programme.objects.get(code="trusted-address")
        ids = {}
        for status, period_code in [("approved", 1), ("submitted", 2), ("draft", 3)]:
            ids[status] = Report.objects.create(
                organisation=organisation,
                programme=programme,
                period=Period.objects.get(kind="quarter", year=2026, number=period_code),
                province=province,
                title=status,
                status=status,
                created_by=user,
            ).pk
    finally:
        migrate_to(latest)

    approved = ActivityReport.objects.get(pk=ids["approved"])
    submitted = ActivityReport.objects.get(pk=ids["submitted"])
    assert approved.status == ActivityReport.Status.APPROVED
    assert approved.approval_levels == 1
    assert approved.approval_level_reached == approved.approval_levels  # fully approved
    assert submitted.review_level == 1 and submitted.approval_levels == 1
    assert ActivityReport.objects.get(pk=ids["draft"]).status == ActivityReport.Status.DRAFT
