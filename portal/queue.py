"""Queueing Celery tasks after commit without letting a broker outage break the request.

Services name the task they queue ("summaries.tasks.recompute_summary") instead of importing it:
the tasks module imports the services, never the other way round, and a lower layer can ask for
work that a higher one does (approvals in `reports` queue recomputes in `summaries`).
"""

import logging

from celery import current_app
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)


def task_named(name: str):
    """The registered Celery task called `name`, loading the apps' task modules if need be."""
    if name not in current_app.tasks:
        autodiscover_modules("tasks")  # imports every installed app's tasks.py, registering them
    return current_app.tasks[name]


def _send(task, args: tuple) -> None:
    try:
        task.apply_async(args=args)
    except Exception:
        # The work is recorded in the database (a stale mark, an un-e-mailed notification) and a
        # periodic job picks it up, so the user's action must not fail because the broker did.
        logger.warning("Could not queue %s%r; a periodic job will catch up.", task.name, args)


def enqueue_on_commit(name: str, *args) -> None:
    """Queue task `name` with `args` once the current transaction commits (at once outside one).

    An unknown name fails here, loudly; only the broker's failures are left to the periodic jobs.
    """
    task = task_named(name)
    transaction.on_commit(lambda: _send(task, args))
