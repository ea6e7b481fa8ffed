"""Checks behind /healthz: can the portal reach its database and its broker, and if not, why?

Each check names the failing dependency, the error's class and, when the error wraps another,
the class of the innermost cause (a refused connection, a timeout, a failed authentication).
Messages are left out: /healthz is public, and they name hosts and users.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from kombu import Connection

BROKER_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class Check:
    state: str  # "ok", "eager" (no broker: tasks run in the web process) or "error"
    milliseconds: float
    error: str = ""
    cause: str = ""

    @property
    def healthy(self) -> bool:
        return self.state in {"ok", "eager"}

    @property
    def summary(self) -> str:
        """ "ok", "eager" or "error: OperationalError"."""
        return f"error: {self.error}" if self.error else self.state

    def as_dict(self) -> dict[str, str | float]:
        found: dict[str, str | float] = {"state": self.state, "ms": round(self.milliseconds, 1)}
        if self.error:
            found["error"] = self.error
        if self.cause:
            found["cause"] = self.cause
        return found


def _innermost_cause(exc: BaseException) -> str:
    """The class of the deepest exception this one was raised from or while handling."""
    seen = {id(exc)}
    inner = exc
    while True:
        nested = inner.__cause__ or inner.__context__
        if nested is None or id(nested) in seen:
            break
        seen.add(id(nested))
        inner = nested
    return type(inner).__name__ if inner is not exc else ""


def _failed(started: float, exc: BaseException) -> Check:
    return Check(
        state="error",
        milliseconds=(time.perf_counter() - started) * 1000,
        error=type(exc).__name__,
        cause=_innermost_cause(exc),
    )


def database_check() -> Check:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means unhealthy; its class says which
        # A connection broken under us (a database restart) must not stay in this thread.
        connection.close_if_unusable_or_obsolete()
        return _failed(started, exc)
    return Check("ok", (time.perf_counter() - started) * 1000)


def broker_check() -> Check:
    started = time.perf_counter()
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return Check("eager", 0.0)
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            transport_options={"socket_timeout": BROKER_TIMEOUT_SECONDS},
        ) as broker:
            broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means unhealthy; its class says which
        return _failed(started, exc)
    return Check("ok", (time.perf_counter() - started) * 1000)
