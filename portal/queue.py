"""Queueing Celery tasks after commit without letting a broker outage break the request."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def _send(task, args: tuple) -> None:
    try:
        task.apply_async(args=args)
    except Exception:
        # The work is recorded in the database (a stale mark, an un-e-mailed notification) and a
        # periodic job picks it up, so the user's action must not fail because the broker did.
        logger.warning("Could not queue %s%r; a periodic job will catch up.", task.name, args)


def enqueue_on_commit(task, *args) -> None:
    """Queue `task(*args)` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _send(task, args))
