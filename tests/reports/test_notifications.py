import pytest
from django.urls import reverse

from reports import services
from reports.models import Notification
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
