from celery import shared_task

from reports.notifications import event_emails_send, pending_emails_send
from reports.reminders import deadline_reminders_send, reminder_emails_send, review_digests_send


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_event_emails(event_id: int) -> int:
    """E-mail the people notified of a report event; returns how many e-mails were sent."""
    return event_emails_send(event_id=event_id)


@shared_task(acks_late=True)
def send_pending_emails() -> int:
    """E-mail notifications whose e-mail never went out (the broker was down, the mail server
    failed): report notices and deadline reminders."""
    return pending_emails_send() + reminder_emails_send()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_deadline_reminders() -> int:
    """The daily deadline reminders (each once); returns how many e-mails were sent."""
    return deadline_reminders_send()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_review_digests() -> int:
    """The reviewers' weekly digest (once per reviewer and week); returns how many went."""
    return review_digests_send()
