"""Two reviewers deciding the same report at the same level at the same moment, on PostgreSQL's
real row locks: exactly one wins at each level, and the other is told who came first."""

import pytest
from django.conf import settings

from portal.models import Organisation
from reports import services
from reports.models import ActivityReport, ReportEvent
from tests import factories
from tests.reports.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="row locks need PostgreSQL (SQLite serialises whole transactions); set DATABASE_URL",
    ),
]


def two_level_report():
    hanoi = factories.province("01")
    central = factories.OrganisationFactory(kind=Organisation.Kind.VWU_CENTRAL, province=None)
    chapter = factories.OrganisationFactory(
        kind=Organisation.Kind.VWU_PROVINCIAL, province=hanoi, parent=central
    )
    commune = factories.OrganisationFactory(
        kind=Organisation.Kind.VWU_COMMUNE, province=hanoi, parent=chapter
    )
    programme = factories.programme("trusted-address")
    programme.approval_levels = 2
    programme.save(update_fields=["approval_levels"])
    report = factories.submitted_report(organisation=commune)
    return report, hanoi, chapter, central


def test_of_two_provincial_reviewers_approving_at_level_one_exactly_one_wins():
    report, hanoi, chapter, _central = two_level_report()
    first = factories.reviewer(provinces=[hanoi], organisation=chapter)
    second = factories.reviewer(provinces=[hanoi], organisation=chapter)

    results, errors = run_together(
        lambda: services.report_approve(
            reviewer=first, report_id=report.pk, expected_version=report.version
        ),
        lambda: services.report_approve(
            reviewer=second, report_id=report.pk, expected_version=report.version
        ),
    )

    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], services.ConflictError)
    decided = ActivityReport.objects.get(pk=report.pk)
    assert str(decided.reviewed_by) in str(errors[0])  # the loser is told who came first
    assert decided.status == ActivityReport.Status.APPROVED_LEVEL_1
    assert ReportEvent.objects.filter(report=report, kind="approved_1").count() == 1


def test_of_two_central_reviewers_deciding_at_level_two_exactly_one_wins():
    report, hanoi, chapter, central = two_level_report()
    level_1 = factories.reviewer(provinces=[hanoi], organisation=chapter)
    services.report_approve(reviewer=level_1, report_id=report.pk)
    report.refresh_from_db()
    first = factories.reviewer(organisation=central)
    second = factories.reviewer(organisation=central)

    for _round in range(3):
        results, errors = run_together(
            lambda: services.report_approve(
                reviewer=first, report_id=report.pk, expected_version=report.version
            ),
            lambda: services.report_return(
                reviewer=second,
                report_id=report.pk,
                comment="Thiếu số liệu",
                expected_version=report.version,
            ),
        )

        assert len(results) == 1
        assert len(errors) == 1
        assert isinstance(errors[0], services.ConflictError)
        decisions = ReportEvent.objects.filter(report=report, kind__in=["accepted", "returned"])
        assert decisions.count() == 1
        decided = ActivityReport.objects.get(pk=report.pk)
        assert decided.status == decisions.get().to_status
        decisions.delete()
        ActivityReport.objects.filter(pk=report.pk).update(
            status="approved_1", version=report.version, reviewed_by=level_1
        )
