"""Two people acting on the same report at the same moment, on PostgreSQL's real row locks."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from reports import services
from reports.models import ActivityReport, ReportEvent
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="row locks need PostgreSQL (SQLite serialises whole transactions); set DATABASE_URL",
    ),
]


def run_together(*calls):
    """Run the calls in threads released at the same instant; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def worker(call):
        try:
            barrier.wait(timeout=10)
            results.append(call())
        except Exception as exc:  # collected for the assertions
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def test_of_two_reviewers_deciding_at_once_exactly_one_wins():
    report = factories.submitted_report()
    first = factories.reviewer(provinces=[report.province])
    second = factories.reviewer(provinces=[report.province])

    for _round in range(5):
        results, errors = run_together(
            lambda: services.report_approve(reviewer=first, report_id=report.pk),
            lambda: services.report_return(reviewer=second, report_id=report.pk, comment="Sửa"),
        )

        assert len(results) == 1
        assert len(errors) == 1
        assert isinstance(errors[0], services.ConflictError)
        decided = ActivityReport.objects.get(pk=report.pk)
        decisions = ReportEvent.objects.filter(report=report, kind__in=["approved", "returned"])
        assert decisions.count() == 1
        assert decided.status == decisions.get().to_status
        ReportEvent.objects.filter(report=report, kind__in=["approved", "returned"]).delete()
        ActivityReport.objects.filter(pk=report.pk).update(status="submitted")


def test_two_identical_submissions_at_once_create_one_report():
    organisation = factories.OrganisationFactory()
    author = factories.reporter(organisation=organisation)
    programme = factories.programme()
    period = factories.period("2026-Q2")

    def create():
        return services.report_create(
            actor=author, organisation=organisation, programme=programme, period=period
        )

    results, errors = run_together(create, create)

    assert ActivityReport.objects.filter(organisation=organisation).count() == 1
    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], services.DuplicateReportError)
    assert ReportEvent.objects.filter(kind="created").count() == 1
