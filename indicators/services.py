"""Writes of the aggregation: stale marks, runs that admins can follow, rebuilds."""

from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from indicators import aggregation
from indicators.models import AggregationRun
from portal import audit
from portal.models import User
from portal.queue import enqueue_on_commit
from reports.access import ensure_admin

Run = AggregationRun


def summaries_changed(*, province_id: int, period_id: int) -> None:
    """Approved figures changed: mark the cells stale now, recompute them after commit."""
    from indicators.tasks import recompute_summary

    aggregation.mark_stale(province_id=province_id, period_id=period_id)
    enqueue_on_commit(recompute_summary, province_id, period_id)


@contextmanager
def _tracked(run: AggregationRun):
    run.status, run.started_at, run.error = Run.Status.RUNNING, timezone.now(), ""
    run.save(update_fields=["status", "started_at", "error"])
    try:
        yield run
    except Exception as exc:
        run.status, run.finished_at = Run.Status.FAILED, timezone.now()
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        run.save(update_fields=["status", "finished_at", "error"])
        raise
    run.status, run.finished_at = Run.Status.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at", "cells", "rows"])


def aggregation_recompute(*, province_id: int, period_id: int) -> AggregationRun:
    run = Run.objects.create(kind=Run.Kind.CELLS, province_id=province_id, period_id=period_id)
    with _tracked(run):
        run.rows = aggregation.recompute(province_id=province_id, period_id=period_id)
        run.cells = 1
    return run


def aggregation_reconcile() -> AggregationRun | None:
    """Recompute every (province, period) still marked stale; None when there is nothing to do."""
    cells = aggregation.stale_cells()
    if not cells:
        return None
    run = Run.objects.create(kind=Run.Kind.RECONCILE)
    with _tracked(run):
        for province_id, period_id in cells:
            run.rows += aggregation.recompute(province_id=province_id, period_id=period_id)
            run.cells += 1
    return run


def aggregation_full(*, run_id: int | None = None) -> AggregationRun:
    run = Run.objects.get(pk=run_id) if run_id else Run.objects.create(kind=Run.Kind.FULL)
    with _tracked(run):
        run.rows = aggregation.rebuild_all()
    return run


@transaction.atomic
def aggregation_request_full(*, actor: User) -> AggregationRun:
    """An admin asks for a full rebuild: queue it and let the page show its progress."""
    from indicators.tasks import rebuild_summaries

    ensure_admin(actor)
    run = Run.objects.create(kind=Run.Kind.FULL, requested_by=actor)
    enqueue_on_commit(rebuild_summaries, run.pk)
    return run


def min_cell() -> int:
    from django.conf import settings

    return settings.SUMMARY_MIN_CELL


def stale_count() -> int:
    from indicators.models import StaleSummary

    return StaleSummary.objects.count()


def summary_download_log(*, actor: User, file_format: str, filters: dict):
    """Record who downloads which summaries, before the file is produced."""
    from indicators.models import SummaryDownload

    log = SummaryDownload.objects.create(user=actor, file_format=file_format, filters=filters)
    audit.record(audit.Action.SUMMARY_DOWNLOAD, user=actor, obj=log, detail=file_format)
    return log
