"""E-mails that go with in-portal notifications. Bilingual: Vietnamese first, then English.

An e-mail says what the notification keeps (the report as it was when the notice was made), and
goes only to a recipient who may still see the report when it is sent: a late e-mail (the broker
was down) must not tell a reviewer about a report withdrawn to draft in the meantime."""

import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from reports.models import Notification, ReportEvent
from reports.selectors import report_visible_to

LANGUAGES = ("vi", "en")


def _render(notification: Notification, language: str, template: str) -> str:
    with translation.override(language):
        return render_to_string(
            template,
            {
                "notification": notification,
                "event": notification.event,
                "base_url": settings.PORTAL_BASE_URL,
            },
        ).strip()


def _message(notification: Notification) -> tuple[str, str, str, list[str]]:
    # Subjects are one line; a title with a line break would break the header.
    subject = " / ".join(
        _render(notification, lang, "reports/email/event_subject.txt") for lang in LANGUAGES
    ).replace("\n", " ")
    body = "\n\n----------\n\n".join(
        _render(notification, lang, "reports/email/event_body.txt") for lang in LANGUAGES
    )
    return subject, body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email]


def event_emails_send(*, event_id: int) -> int:
    """Send one e-mail per notification of the event that has not been e-mailed yet, to those
    who may still see the report; the others are settled without one. Returns how many went."""
    event = ReportEvent.objects.select_related("actor").get(pk=event_id)
    pending = list(
        Notification.objects.filter(event=event, emailed_at=None).select_related(
            "recipient", "programme", "period"
        )
    )
    if not pending:
        return 0
    for notification in pending:
        notification.event = event  # one event for all: its actor is loaded once
    # A deactivated account, or one without an address, is settled without an e-mail too: it is
    # not tried again at every catch-up, nor e-mailed late if it is ever reactivated.
    to_send = [
        n
        for n in pending
        if n.recipient.is_active
        and n.recipient.email
        and report_visible_to(user=n.recipient, report_id=event.report_id)
    ]
    messages = [_message(notification) for notification in to_send]
    if messages:
        send_mass_mail(messages, fail_silently=False)
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return len(messages)


PENDING_WINDOW = datetime.timedelta(days=2)  # older notices are stale news; the portal shows them


def pending_emails_send() -> int:
    """Send the e-mails of recent report notices that were never e-mailed (reminders have their
    own catch-up: `reports.reminders.reminder_emails_send`)."""
    since = timezone.now() - PENDING_WINDOW
    events = (
        Notification.objects.filter(emailed_at=None, created_at__gte=since, event__isnull=False)
        .values_list("event_id", flat=True)
        .distinct()
    )
    return sum(event_emails_send(event_id=event_id) for event_id in list(events))
