"""What operators see of a running portal: error reports to Sentry with personal data scrubbed,
request metrics for Prometheus, and a count of failed Celery tasks (JSON logs: `portal.logs`).

Nothing here imports a model, so the settings may import it. The /metrics view, which reads the
reports and summaries tables, is wiring and lives in `config.metrics`.
"""

import logging
import re
import time
import warnings
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

# --- Sentry ------------------------------------------------------------------------------------

# Request headers that may reach Sentry; every other one (cookies, authorisation, forwarded
# addresses, the referring page with its query) is dropped.
SAFE_HEADERS = {"accept", "accept-language", "content-type", "content-length", "host", "user-agent"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
FILTERED = "[Filtered]"


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's `before_send`: keep what a developer needs to find the bug (exception types,
    stack frames, the view, the request's method and path), drop everything a user typed or
    reported. Request bodies (report text, figures, comments, passwords), cookies, query strings,
    most headers, local variables of frames, breadcrumb data, log arguments and the user are
    removed; e-mail addresses in messages are masked."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() in SAFE_HEADERS}
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    event.pop("user", None)
    event.pop("extra", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = _mask(exception["value"])
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        logentry.pop("params", None)
        logentry.pop("formatted", None)
        if isinstance(logentry.get("message"), str):
            logentry["message"] = _mask(logentry["message"])
    if isinstance(event.get("message"), str):
        event["message"] = _mask(event["message"])
    breadcrumbs = event.get("breadcrumbs")
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or []:
        crumb.pop("data", None)
        if isinstance(crumb.get("message"), str):
            crumb["message"] = _mask(crumb["message"])
    return event


def _mask(text: str) -> str:
    return EMAIL.sub(FILTERED, text)


def sentry_init(
    *,
    dsn: str,
    environment: str,
    release: str | None = None,
    traces_sample_rate: float = 0.0,
    transport: Any = None,
) -> None:
    """Report errors of the web, the worker and beat to Sentry, with personal data scrubbed."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger

    options: dict[str, Any] = {} if transport is None else {"transport": transport}
    with warnings.catch_warnings():
        # sentry-sdk 2.7x deprecates send_default_pii in favour of `data_collection`; False is
        # what both default to, written out so that nobody turns it on by mistake.
        warnings.simplefilter("ignore", DeprecationWarning)
        sentry_sdk.init(
            dsn=dsn,
            environment=environment,
            release=release,
            send_default_pii=False,
            include_local_variables=False,
            max_request_body_size="never",
            before_send=cast(Any, scrub_event),
            before_breadcrumb=cast(Any, _scrub_breadcrumb),
            traces_sample_rate=traces_sample_rate,
            integrations=[
                DjangoIntegration(),
                CeleryIntegration(),
                LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
            ],
            **options,
        )
    # Requests for other host names (scanners) are refused with a 400; not an error to chase.
    ignore_logger("django.security.DisallowedHost")


def _scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    crumb.pop("data", None)
    if isinstance(crumb.get("message"), str):
        crumb["message"] = _mask(crumb["message"])
    return crumb


# --- Request metrics ---------------------------------------------------------------------------

REQUEST_LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by view (URL name) and method.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
REQUESTS = Counter(
    "portal_http_requests",
    "Requests answered, by view (URL name), method and status code.",
    ["view", "method", "status"],
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def view_label(request: HttpRequest) -> str:
    """The URL's name ("reports:detail"), never the path: a bounded set of labels."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "<unnamed>"
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "<static>"
    return "<unresolved>"


class MetricsMiddleware:
    """Times every request (outermost, so static files and refusals count too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        view = view_label(request)
        REQUEST_LATENCY.labels(view, method).observe(time.perf_counter() - started)
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        return response


# --- Failed Celery tasks -----------------------------------------------------------------------

TASK_FAILURES_KEY = "portal:metrics:task_failures"
_redis_client: Any = None


def _redis() -> Any:
    global _redis_client
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
    return _redis_client


def record_task_failure(task_name: str) -> None:
    """Count a Celery task that failed for good (retries exhausted), in Redis, where the web's
    /metrics reads it. A Redis outage loses the count, never the task's own outcome."""
    if not settings.REDIS_URL:
        return
    try:
        _redis().hincrby(TASK_FAILURES_KEY, task_name, 1)
    except Exception:  # the failure itself is logged by Celery; a lost count is acceptable
        logging.getLogger(__name__).warning("Could not count the failure of %s.", task_name)


def task_failures() -> dict[str, int]:
    if not settings.REDIS_URL:
        return {}
    raw = _redis().hgetall(TASK_FAILURES_KEY)
    return {name.decode(): int(count) for name, count in raw.items()}
