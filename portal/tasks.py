from celery import shared_task

from portal.services import sessions_clear_expired


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def clear_expired_sessions() -> int:
    """Delete sessions past their expiry date; returns how many were removed."""
    return sessions_clear_expired()
