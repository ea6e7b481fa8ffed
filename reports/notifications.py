"""E-mails that go with in-portal notifications. Bilingual: Vietnamese first, then English."""

import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from reports.models import Notification, ReportEvent

LANGUAGES = ("vi", "en")


def _render(event: ReportEvent, language: str, template: str) -> str:
    with translation.override(language):
        return render_to_string(
            template,
            {"event": event, "report": event.report, "base_url": settings.PORTAL_BASE_URL},
        ).strip()


def event_emails_send(*, event_id: int) -> int:
    """Send one e-mail per notification of the event that has not been e-mailed yet."""
    event = ReportEvent.objects.select_related(
        "report__organisation", "report__period", "report__programme", "actor"
    ).get(pk=event_id)
    pending: QuerySet[Notification] | list[Notification] = Notification.objects.filter(
        event=event, emailed_at=None
    ).select_related("recipient")
    pending = [n for n in pending if n.recipient.is_active and n.recipient.email]
    if not pending:
        return 0
    # Subjects are one line; a title with a line break would break the header.
    subject = " / ".join(
        _render(event, lang, "reports/email/event_subject.txt") for lang in LANGUAGES
    ).replace("\n", " ")
    body = "\n\n----------\n\n".join(
        _render(event, lang, "reports/email/event_body.txt") for lang in LANGUAGES
    )
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [n.recipient.email]) for n in pending]
    send_mass_mail(messages, fail_silently=False)
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return len(messages)


PENDING_WINDOW = datetime.timedelta(days=2)  # older notices are stale news; the portal shows them


def pending_emails_send() -> int:
    """Send the e-mails of recent notifications that were never e-mailed."""
    since = timezone.now() - PENDING_WINDOW
    events = (
        Notification.objects.filter(emailed_at=None, created_at__gte=since)
        .values_list("event_id", flat=True)
        .distinct()
    )
    return sum(event_emails_send(event_id=event_id) for event_id in list(events))
