"""Checks behind /healthz: can the portal reach its database and its broker, and if not, why?

Each check names the failing dependency, the error's class, the class of its cause (the socket's
error when there is one) and a reason from a fixed list (connection refused, timed out,
authentication failed, ...). Messages are left out: /healthz is public, and they name hosts and
users.
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
    reason: str = ""

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
        if self.reason:
            found["reason"] = self.reason
        return found


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and those it was raised from (or, unless suppressed, while handling)."""
    chain = [exc]
    while True:
        last = chain[-1]
        nested = last.__cause__ or (None if last.__suppress_context__ else last.__context__)
        if nested is None or any(nested is seen for seen in chain):
            return chain
        chain.append(nested)


def _cause(chain: list[BaseException]) -> str:
    """The class of the root cause worth naming: the socket's error (refused, timed out) if
    there is one, else what the first error was raised from."""
    for inner in chain[1:]:
        if isinstance(inner, OSError):
            return type(inner).__name__
    return type(chain[1]).__name__ if len(chain) > 1 else ""


# Words of the drivers' messages, and what to tell the operator; the messages themselves name
# hosts and users, so only these fixed reasons leave the portal.
REASONS = [
    (("refused",), "connection refused"),
    (("timed out", "timeout"), "timed out"),
    (("password", "authentication", "auth", "noauth", "wrongpass"), "authentication failed"),
    (("could not translate host", "name or service not known", "nodename"), "host not found"),
    (("too many", "max number of clients"), "too many connections"),
    (("shutting down", "starting up", "terminating", "recovery mode"), "server restarting"),
    (("does not exist",), "database does not exist"),
]


def _reason(chain: list[BaseException]) -> str:
    for exc in chain:
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused"
        if isinstance(exc, TimeoutError):
            return "timed out"
    text = " ".join(str(exc) for exc in chain).lower()
    for words, reason in REASONS:
        if any(word in text for word in words):
            return reason
    return "other"


def _failed(started: float, exc: BaseException) -> Check:
    chain = _chain(exc)
    return Check(
        state="error",
        milliseconds=(time.perf_counter() - started) * 1000,
        error=type(exc).__name__,
        cause=_cause(chain),
        reason=_reason(chain),
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
