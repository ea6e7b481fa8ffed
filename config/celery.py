"""The Celery application. Worker and beat read the same Django settings as the web."""

import logging.config
import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging, task_failure

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job is declared here, in one place.
app.conf.beat_schedule = {
    # Picks up approvals whose recompute never reached the broker (Redis down, worker lost).
    "reconcile-summaries": {
        "task": "summaries.tasks.reconcile_summaries",
        "schedule": 5 * 60,
    },
    "rebuild-summaries-nightly": {
        "task": "summaries.tasks.rebuild_summaries",
        "schedule": crontab(minute=30, hour=2),
    },
    "send-pending-report-emails": {
        "task": "reports.tasks.send_pending_emails",
        "schedule": 10 * 60,
    },
    # Deadline reminders: each goes once, so a rerun or a restart sends nothing twice.
    "send-deadline-reminders": {
        "task": "reports.tasks.send_deadline_reminders",
        "schedule": crontab(minute=0, hour=7),
    },
    "send-review-digests": {
        "task": "reports.tasks.send_review_digests",
        "schedule": crontab(minute=15, hour=7, day_of_week="mon"),
    },
    "clear-expired-sessions": {
        "task": "portal.tasks.clear_expired_sessions",
        "schedule": crontab(minute=17, hour="*/6"),
    },
}


@setup_logging.connect
def _use_the_portal_logging(**kwargs) -> None:
    """Worker and beat log as the web does (LOG_LEVEL, and JSON lines with LOG_FORMAT=json)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@task_failure.connect
def _count_failed_task(sender=None, **kwargs) -> None:
    """A task that failed for good, counted for /metrics (portal_celery_task_failures)."""
    from portal.observability import record_task_failure

    record_task_failure(getattr(sender, "name", "unknown"))
