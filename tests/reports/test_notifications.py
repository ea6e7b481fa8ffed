import pytest
from django.urls import reverse

from indicators.models import Programme
from reports import services
from reports.models import ActivityReport, Notification
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_returned_report_notifies_its_reporters_in_the_portal_and_by_email(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    report = factories.submitted_report()
    colleague = factories.reporter(organisation=report.organisation)
    reviewer = factories.reviewer(provinces=[report.province])

    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(reviewer=reviewer, report_id=report.pk, comment="Thiếu số liệu")

    assert sorted(m.to[0] for m in mailoutbox) == sorted([report.created_by.email, colleague.email])
    message = mailoutbox[0]
    assert "Thiếu số liệu" in message.body
    assert report.get_absolute_url() in message.body
    assert "Returned for correction" in message.body  # English follows Vietnamese
    assert "\n" not in message.subject
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2

    client.force_login(colleague)
    page = client.get(reverse("reports:notifications"))
    assert page.context["notifications"][0].event.text == "Thiếu số liệu"
    assert page.context["unread_notifications"] == 1


def test_marking_notifications_read_clears_the_counter(client):
    report = factories.submitted_report()
    services.report_approve(
        reviewer=factories.reviewer(provinces=[report.province]), report_id=report.pk
    )
    client.force_login(report.created_by)

    client.post(reverse("reports:notifications_read"))

    assert client.get(reverse("home")).context["unread_notifications"] == 0
    assert Notification.objects.get().read_at is not None


def test_an_email_is_sent_once_even_if_the_task_runs_twice(mailoutbox):
    from reports.notifications import event_emails_send

    report = factories.submitted_report()
    services.report_approve(
        reviewer=factories.reviewer(provinces=[report.province]), report_id=report.pk
    )
    event = report.events.get(kind="approved")

    assert event_emails_send(event_id=event.pk) == 1
    assert event_emails_send(event_id=event.pk) == 0
    assert len(mailoutbox) == 1


# --- What a notification shows: what was true, and only while the reader may see it -----------


def rename(report, title):
    services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=services.ReportContent(title=title, figures=factories.complete_figures(report)),
    )


def test_a_notification_shows_the_title_it_was_made_with_not_the_current_one(client):
    report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])
    services.report_return(reviewer=reviewer, report_id=report.pk, comment="Thiếu số liệu")
    old_title = report.title
    rename(report, "Tên mới sau khi trả lại")
    client.force_login(report.created_by)

    page = client.get(reverse("reports:notifications")).content.decode()

    assert old_title in page
    assert "Tên mới sau khi trả lại" not in page
    assert report.get_absolute_url() in page
    assert "Thiếu số liệu" in page


def test_a_reviewer_who_can_no_longer_see_the_report_reads_no_title_no_link_no_comment(client):
    organisation = factories.OrganisationFactory(province=factories.province("01"))
    reviewer = factories.reviewer(provinces=[organisation.province])
    report = factories.submitted_report(organisation=organisation)
    submitted_title = report.title
    services.report_withdraw(actor=report.created_by, report_id=report.pk)
    rename(report, "Tên bí mật của bản nháp")
    client.force_login(reviewer)

    response = client.get(reverse("reports:notifications"))

    assert client.get(report.get_absolute_url()).status_code == 404
    page = response.content.decode()
    assert len(response.context["notifications"]) == 1  # the notice is there, and says no more
    assert submitted_title not in page
    assert "Tên bí mật của bản nháp" not in page
    assert report.get_absolute_url() not in page
    assert report.organisation.name not in page


def test_the_notifications_page_runs_a_constant_number_of_queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    author = factories.reporter()
    organisation = author.membership_list[0].organisation
    reviewer = factories.reviewer(provinces=[organisation.province])

    def notify(period_code):
        report = factories.submitted_report(
            organisation=organisation, author=author, period_code=period_code
        )
        services.report_return(reviewer=reviewer, report_id=report.pk, comment="Sửa")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reports:notifications")).status_code == 200
        return len(queries)

    client.force_login(reviewer)  # sees some reports, not the drafts withdrawn below
    notify("2026-Q1")
    few = count()
    for code in ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"]:
        notify(code)
    factories.submitted_report(organisation=organisation, author=author, period_code="2025-Q3")
    withdrawn = ActivityReport.objects.get(period__year=2025, period__number=3)
    services.report_withdraw(actor=author, report_id=withdrawn.pk)

    assert count() == few


def test_a_late_email_carries_the_title_the_notification_was_made_with(
    mailoutbox, django_capture_on_commit_callbacks
):
    from reports.notifications import pending_emails_send

    report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down, say
        services.report_return(reviewer=reviewer, report_id=report.pk, comment="Sửa")
    old_title = report.title
    rename(report, "Tên mới chưa ai duyệt")

    sent = pending_emails_send()

    assert sent == 1
    (message,) = mailoutbox
    assert old_title in message.subject
    assert "Tên mới chưa ai duyệt" not in message.subject + message.body


def test_no_email_goes_to_someone_who_can_no_longer_see_the_report(
    mailoutbox, django_capture_on_commit_callbacks
):
    from reports.notifications import pending_emails_send

    with django_capture_on_commit_callbacks(execute=False):
        report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])
    Notification.objects.create(
        recipient=reviewer,
        event=report.events.get(kind="submitted"),
        report_title=report.title,
        organisation_name=report.organisation.name,
        programme=report.programme,
        period=report.period,
        event_kind="submitted",
    )
    services.report_withdraw(actor=report.created_by, report_id=report.pk)
    rename(report, "Tên bí mật của bản nháp")

    pending_emails_send()

    assert [m for m in mailoutbox if reviewer.email in m.to] == []
    assert Notification.objects.get(recipient=reviewer).emailed_at is not None  # settled
    assert pending_emails_send() == 0


def test_existing_notifications_get_the_title_they_were_made_with_from_the_history():
    from importlib import import_module

    from django.apps import apps

    report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])
    services.report_return(reviewer=reviewer, report_id=report.pk, comment="Sửa")
    old_title = report.title
    rename(report, "Tên mới")
    other_programme = Programme.objects.exclude(pk=report.programme_id).first()
    Notification.objects.update(
        report_title="",
        organisation_name="",
        event_kind="",
        programme=other_programme,
        period=factories.period("2024-Q1"),
    )
    migration = import_module("reports.migrations.0008_fill_notification_snapshot")

    migration.fill_snapshots(apps, None)

    notification = Notification.objects.get()
    assert notification.report_title == old_title
    assert notification.organisation_name == report.organisation.name
    assert notification.event_kind == "returned"
    assert (notification.programme, notification.period) == (report.programme, report.period)
