"""Thin Celery wrappers around the aggregation services; they take ids and are safe to repeat."""

from celery import shared_task
from django.db import DatabaseError

from summaries import services

RETRY = {
    "acks_late": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(soft_time_limit=120, time_limit=180, **RETRY)
def recompute_summary(province_id: int, period_id: int) -> int:
    return services.aggregation_recompute(province_id=province_id, period_id=period_id).rows


@shared_task(soft_time_limit=600, time_limit=900, **RETRY)
def reconcile_summaries() -> int:
    run = services.aggregation_reconcile()
    return run.cells if run else 0


@shared_task(soft_time_limit=1800, time_limit=2400, **RETRY)
def rebuild_summaries(run_id: int | None = None) -> int:
    return services.aggregation_full(run_id=run_id).rows
