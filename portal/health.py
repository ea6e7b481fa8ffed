"""Checks behind /healthz: can the portal reach its database and its broker?"""

from django.conf import settings
from django.db import connection
from kombu import Connection

BROKER_TIMEOUT_SECONDS = 2


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means unhealthy; the name is enough to act on
        return f"error: {type(exc).__name__}"
    return "ok"


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            transport_options={"socket_timeout": BROKER_TIMEOUT_SECONDS},
        ) as broker:
            broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means unhealthy; the name is enough to act on
        return f"error: {type(exc).__name__}"
    return "ok"
