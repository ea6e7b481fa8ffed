"""Two people acting on the same report at the same moment, on PostgreSQL's real row locks."""

import threading
import time

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


# --- Races tried in the security review (issue 11) ---------------------------------------------


def test_a_submission_racing_a_period_lock_lands_before_the_lock_or_is_refused(monkeypatch):
    """The submission is slowed down between its checks and its commit; the admin locks the
    period inside that window. The lock waits for the submission (which therefore lands before
    it), rather than committing first and letting the submission land in a locked period."""
    report = factories.draft_report()
    author = report.created_by
    services.report_update(
        actor=author,
        report_id=report.pk,
        content=services.ReportContent(
            title=report.title, figures=factories.complete_figures(report)
        ),
    )
    admin = factories.admin_user()
    checked = threading.Event()
    real_check = services.check_complete

    def slow_check(*args, **kwargs):
        errors = real_check(*args, **kwargs)
        checked.set()
        time.sleep(0.5)
        return errors

    monkeypatch.setattr(services, "check_complete", slow_check)

    def lock_once_checked():
        assert checked.wait(timeout=10)
        return services.period_set_locked(actor=admin, period_id=report.period_id, locked=True)

    results, errors = run_together(
        lambda: services.report_submit(actor=author, report_id=report.pk), lock_once_checked
    )

    assert errors == [] and len(results) == 2
    report = ActivityReport.objects.select_related("period").get(pk=report.pk)
    assert report.status == ActivityReport.Status.SUBMITTED
    assert report.period.is_locked
    assert report.submitted_at < report.period.locked_at


def test_submissions_and_a_lock_at_the_same_instant_never_land_after_the_lock():
    admin = factories.admin_user()
    for code in ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]:
        report = factories.draft_report(period_code=code)
        author = report.created_by
        content = services.ReportContent(
            title=report.title, figures=factories.complete_figures(report)
        )

        _results, errors = run_together(
            lambda r=report, a=author, c=content: services.report_update(
                actor=a, report_id=r.pk, content=c, submit=True
            ),
            lambda r=report: services.period_set_locked(
                actor=admin, period_id=r.period_id, locked=True
            ),
        )

        report = ActivityReport.objects.select_related("period").get(pk=report.pk)
        assert report.period.is_locked
        if report.status == ActivityReport.Status.SUBMITTED:
            assert errors == []
            assert report.submitted_at < report.period.locked_at
        else:
            assert len(errors) == 1 and isinstance(errors[0], services.WorkflowError)
            assert report.status == ActivityReport.Status.DRAFT
            assert not report.events.filter(kind="edited").exists()  # nothing saved


def test_withdraw_and_approve_at_the_same_instant_exactly_one_wins():
    report = factories.submitted_report()
    author = report.created_by
    reviewer = factories.reviewer(provinces=[report.province])

    for _round in range(5):
        results, errors = run_together(
            lambda: services.report_withdraw(actor=author, report_id=report.pk),
            lambda: services.report_approve(reviewer=reviewer, report_id=report.pk),
        )

        assert len(results) == 1 and len(errors) == 1
        assert isinstance(errors[0], services.WorkflowError)
        decided = ActivityReport.objects.get(pk=report.pk)
        moves = ReportEvent.objects.filter(report=report, kind__in=["withdrawn", "approved"])
        assert moves.count() == 1
        assert decided.status == moves.get().to_status
        moves.delete()
        ActivityReport.objects.filter(pk=report.pk).update(status="submitted")


def test_an_edit_racing_a_reopen_never_lands_on_the_approved_report():
    """The reporter posts the edit form with the version they loaded (as the form always does)
    while an admin reopens the approved report: the reopen wins; the edit is refused, either
    because the report is approved or because it has changed since it was loaded."""
    report = factories.approved_report()
    author = report.created_by
    admin = factories.admin_user()

    for _round in range(5):
        version = ActivityReport.objects.get(pk=report.pk).version
        results, errors = run_together(
            lambda v=version: services.report_update(
                actor=author,
                report_id=report.pk,
                content=services.ReportContent(
                    title="Sửa lén", figures=factories.complete_figures(report)
                ),
                expected_version=v,
            ),
            lambda: services.report_reopen(actor=admin, report_id=report.pk, reason="Sai số"),
        )

        assert len(results) == 1 and results[0].status == ActivityReport.Status.RETURNED
        assert len(errors) == 1 and isinstance(errors[0], services.WorkflowError)
        assert ActivityReport.objects.get(pk=report.pk).title != "Sửa lén"
        assert not ReportEvent.objects.filter(report=report, kind="edited", from_status="approved")
        ActivityReport.objects.filter(pk=report.pk).update(status="approved")


def test_two_edits_of_a_returned_report_from_the_same_version_one_wins_one_is_told():
    report = factories.submitted_report()
    services.report_return(
        reviewer=factories.reviewer(provinces=[report.province]), report_id=report.pk, comment="x"
    )
    colleague = factories.reporter(organisation=report.organisation)
    version = ActivityReport.objects.get(pk=report.pk).version

    def edit(actor, title):
        return services.report_update(
            actor=actor,
            report_id=report.pk,
            content=services.ReportContent(title=title, figures=factories.complete_figures(report)),
            expected_version=version,
        )

    results, errors = run_together(
        lambda: edit(report.created_by, "Bản của tác giả"),
        lambda: edit(colleague, "Bản của đồng nghiệp"),
    )

    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], services.ConflictError)
    assert ActivityReport.objects.get(pk=report.pk).title == results[0].title


def test_evidence_added_while_the_report_is_submitted_lands_before_the_submission_or_not_at_all():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reports.models import Attachment
    from tests.files import small_pdf

    pdf = small_pdf()
    for code in ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]:
        report = factories.draft_report(period_code=code)
        author = report.created_by
        services.report_update(
            actor=author,
            report_id=report.pk,
            content=services.ReportContent(
                title=report.title, figures=factories.complete_figures(report)
            ),
        )

        _results, errors = run_together(
            lambda r=report, a=author: services.attachment_add(
                actor=a,
                report_id=r.pk,
                upload=SimpleUploadedFile("plan.pdf", pdf, content_type="application/pdf"),
            ),
            lambda r=report, a=author: services.report_submit(actor=a, report_id=r.pk),
        )

        report.refresh_from_db()
        assert report.status == ActivityReport.Status.SUBMITTED
        attachments = list(Attachment.objects.filter(report=report))
        if attachments:
            assert errors == []
            assert attachments[0].uploaded_at < report.submitted_at
        else:
            assert len(errors) == 1 and isinstance(errors[0], services.WorkflowError)
