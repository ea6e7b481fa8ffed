from celery import shared_task

from reports.notifications import event_emails_send, pending_emails_send
from reports.reminders import deadline_reminders_send, reminder_emails_send, review_digests_send
from reports.services import report_import_check, report_import_run


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


@shared_task(acks_late=True, soft_time_limit=600, time_limit=900)
def check_report_import(import_id: int) -> str:
    """The dry run of an uploaded spreadsheet; returns the import's status."""
    return report_import_check(import_id=import_id).status


@shared_task(acks_late=True, soft_time_limit=600, time_limit=900)
def run_report_import(import_id: int) -> str:
    """The confirmed import of a checked spreadsheet; returns the import's status."""
    return report_import_run(import_id=import_id).status
