"""Prometheus metrics at /metrics, for the operators' monitoring.

Request latency by view (from every gunicorn worker, through prometheus_client's multiprocess
mode, see `config/gunicorn.py`), and, read when scraped: the Celery queue's length, stale summary
cells and the age of the oldest, the last successful aggregation runs, failed and stuck runs, and
Celery tasks that failed for good. Protected: a bearer token (`METRICS_TOKEN`) for the scraper,
or a logged-in administrator who has passed two-factor authentication.
"""

import hmac
import os
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from config.celery import app as celery_app
from portal import observability
from reports.models import StaleSummary
from summaries.models import AggregationRun

# Kombu's Redis transport keeps a queue's messages in one list per priority step.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


class PortalCollector(Collector):
    """Gauges read from the database and the broker each time /metrics is scraped."""

    def collect(self) -> Iterator[Metric]:
        yield from self._database()
        yield from self._broker()

    def _database(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("portal_database_up", "1 when the database answered this scrape.")
        try:
            metrics = list(self._summaries())
        except Exception:  # an unreachable database is the answer, not an error of /metrics
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from metrics

    def _summaries(self) -> Iterator[Metric]:
        now = timezone.now()
        stale = StaleSummary.objects.aggregate(cells=Count("pk"), oldest=Min("marked_at"))
        yield GaugeMetricFamily(
            "portal_stale_summary_cells",
            "Province-periods whose approved figures changed since they were last summarised.",
            value=stale["cells"],
        )
        oldest = stale["oldest"]
        yield GaugeMetricFamily(
            "portal_stale_summary_oldest_age_seconds",
            "Age of the oldest stale summary cell (0 when none is stale).",
            value=(now - oldest).total_seconds() if oldest else 0,
        )
        last = GaugeMetricFamily(
            "portal_summary_last_success_timestamp_seconds",
            "When the last successful aggregation run of each kind finished (Unix time).",
            labels=["kind"],
        )
        done = AggregationRun.objects.filter(status=AggregationRun.Status.DONE)
        finished = dict(
            done.values("kind").annotate(at=Max("finished_at")).values_list("kind", "at")
        )
        for kind in AggregationRun.Kind.values:
            at = finished.get(kind)
            if at is not None:
                last.add_metric([kind], at.timestamp())
        yield last
        failed = CounterMetricFamily(
            "portal_aggregation_runs_failed",
            "Aggregation runs that ended in an error, by kind.",
            labels=["kind"],
        )
        failures = dict(
            AggregationRun.objects.filter(status=AggregationRun.Status.FAILED)
            .values("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
        for kind in AggregationRun.Kind.values:
            failed.add_metric([kind], failures.get(kind, 0))
        yield failed
        running = AggregationRun.objects.filter(status=AggregationRun.Status.RUNNING).aggregate(
            n=Count("pk"), oldest=Min("started_at")
        )
        yield GaugeMetricFamily(
            "portal_aggregation_runs_running",
            "Aggregation runs marked running (one left running for long was lost with its worker).",
            value=running["n"],
        )
        yield GaugeMetricFamily(
            "portal_aggregation_oldest_running_age_seconds",
            "How long the oldest run marked running has been at it (0 when none).",
            value=(now - running["oldest"]).total_seconds() if running["oldest"] else 0,
        )

    def _broker(self) -> Iterator[Metric]:
        if settings.CELERY_TASK_ALWAYS_EAGER or not settings.REDIS_URL:
            return
        up = GaugeMetricFamily("portal_broker_up", "1 when Redis answered this scrape.")
        try:
            client = observability._redis()
            queue = celery_app.conf.task_default_queue
            waiting = sum(client.llen(queue + suffix) for suffix in PRIORITY_SUFFIXES)
            unacked = client.hlen("unacked")
            failures = observability.task_failures()
        except Exception:  # an unreachable broker is the answer, not an error of /metrics
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        length = GaugeMetricFamily(
            "portal_celery_queue_length", "Tasks waiting in the queue.", labels=["queue"]
        )
        length.add_metric([queue], waiting)
        yield length
        yield GaugeMetricFamily(
            "portal_celery_unacked_tasks",
            "Tasks a worker has taken and not yet acknowledged (running, or lost with a worker).",
            value=unacked,
        )
        failed = CounterMetricFamily(
            "portal_celery_task_failures",
            "Celery tasks that failed for good (retries exhausted), by task.",
            labels=["task"],
        )
        for name, count in sorted(failures.items()):
            failed.add_metric([name], count)
        yield failed


class _ProcessMetrics(Collector):
    """This process's own metrics, when gunicorn's multiprocess mode is off (development)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(PortalCollector())
    return registry


def _token_matches(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())


@login_not_required
@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _token_matches(request):
        if not user.is_authenticated:
            response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        verified = getattr(user, "is_verified", lambda: False)()  # django-otp's middleware
        if not (user.is_portal_admin and verified):
            return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(
        generate_latest(registry()), content_type="text/plain; version=0.0.4; charset=utf-8"
    )
