"""Thin Celery wrappers around the aggregation services; they take ids and are safe to repeat."""

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from celery import Task, shared_task
from django.db import DatabaseError

from summaries import services

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _retrying_task(
    *, soft_time_limit: int, time_limit: int
) -> "Callable[[Callable[_P, _R]], Task[_P, _R]]":
    """`shared_task` with the options every task here shares: acknowledged once done, retried
    with backoff (at most five times, at most 300 s apart) when the database fails."""
    return shared_task(
        soft_time_limit=soft_time_limit,
        time_limit=time_limit,
        acks_late=True,
        autoretry_for=(DatabaseError,),
        retry_backoff=True,
        retry_backoff_max=300,
        max_retries=5,
    )


@_retrying_task(soft_time_limit=120, time_limit=180)
def recompute_summary(province_id: int | None, period_id: int) -> int:
    return services.aggregation_recompute(province_id=province_id, period_id=period_id).rows


@_retrying_task(soft_time_limit=600, time_limit=900)
def reconcile_summaries() -> int:
    run = services.aggregation_reconcile()
    return run.cells if run else 0


@_retrying_task(soft_time_limit=1800, time_limit=2400)
def rebuild_summaries(run_id: int | None = None) -> int:
    return services.aggregation_full(run_id=run_id).rows


@_retrying_task(soft_time_limit=600, time_limit=900)
def build_nap_report(build_id: int) -> int:
    return services.nap_report_build_run(build_id=build_id).progress


# No retry: a failed push is shown to the admin, who pushes again once DHIS2 is fixed.
@shared_task(soft_time_limit=600, time_limit=900, acks_late=True)
def push_to_dhis2(push_id: int) -> str:
    return services.dhis2_push_run(push_id=push_id).status
