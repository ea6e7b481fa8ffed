"""Aggregation through the real broker and worker, on PostgreSQL."""

import os
import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from reports import services as report_services
from reports.models import StaleSummary
from summaries import aggregation
from summaries.models import ProvincialSummary
from summaries.tasks import reconcile_summaries
from tests import factories

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (a real broker, worker and locks)",
    ),
]


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def broker_down():
    """Point publishing at a port where nothing listens, then restore the real broker."""
    real = celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    celery_app.conf.broker_url = real
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.task_always_eager = True


def summary_of(report):
    return ProvincialSummary.objects.filter(
        province=report.province, period=report.period, dimension="total"
    )


def test_an_approval_reaches_the_summary_through_redis_and_a_worker(real_worker):
    report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])

    started = time.monotonic()
    report_services.report_approve(reviewer=reviewer, report_id=report.pk)

    assert wait_for(lambda: summary_of(report).count() == 3, seconds=10)
    assert time.monotonic() - started < 10
    assert not StaleSummary.objects.exists()


def test_an_approval_while_the_broker_is_down_commits_and_the_reconciler_catches_up(
    broker_down, caplog
):
    report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])

    report_services.report_approve(reviewer=reviewer, report_id=report.pk)

    report.refresh_from_db()
    assert report.status == "approved"
    assert StaleSummary.objects.filter(province=report.province, period=report.period).exists()
    assert not summary_of(report).exists()
    assert "periodic job will catch up" in caplog.text

    reconcile_summaries.apply()  # what beat runs every five minutes

    assert summary_of(report).count() == 3
    assert not StaleSummary.objects.exists()


def test_two_recomputes_of_the_same_cells_at_once_give_correct_rows():
    report = factories.approved_report()
    errors = []
    barrier = threading.Barrier(4)

    def recompute():
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                aggregation.recompute(province_id=report.province_id, period_id=report.period_id)
        except Exception as exc:  # collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=recompute) for _ in range(3)]
    threads.append(
        threading.Thread(
            target=lambda: (barrier.wait(), aggregation.rebuild_all(), connection.close())
        )
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    totals = {s.indicator.code: s for s in summary_of(report).select_related("indicator")}
    assert totals["TA-01"].value == 10
    assert totals["TA-01"].report_count == 1
    assert (totals["PRO-02"].numerator, totals["PRO-02"].denominator) == (3, 4)
    assert ProvincialSummary.objects.count() == len(
        {
            (s.province_id, s.period_id, s.indicator_id, s.dimension, s.category)
            for s in ProvincialSummary.objects.all()
        }
    )
