"""Writes of the summaries: aggregation runs that admins can follow, rebuilds, download logs."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.models import User
from portal.permissions import ensure_admin
from portal.queue import enqueue_on_commit
from summaries import aggregation
from summaries.files import export_rows
from summaries.models import AggregationRun, SummaryDownload
from summaries.scope import SummaryFilters, can_download

Run = AggregationRun


@contextmanager
def _tracked(run: AggregationRun) -> Iterator[AggregationRun]:
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
    ensure_admin(actor)
    run = Run.objects.create(kind=Run.Kind.FULL, requested_by=actor)
    enqueue_on_commit("summaries.tasks.rebuild_summaries", run.pk)
    return run


def summary_download(
    *, actor: User, filters: SummaryFilters, file_format: str
) -> tuple[SummaryDownload, Iterator[list]]:
    """The rows of a summaries file for the actor's scope and filters; the download is logged
    (who, which filters, which format) before the file is produced."""
    if not can_download(actor):
        raise PermissionDenied(_("Only reviewers and administrators can download summaries."))
    log = SummaryDownload.objects.create(
        user=actor, file_format=file_format, filters=filters.as_dict()
    )
    audit.record(audit.Action.SUMMARY_DOWNLOAD, user=actor, obj=log, detail=file_format)
    return log, export_rows(user=actor, filters=filters)
