"""Writes of the summaries: aggregation runs that admins can follow, rebuilds, download logs."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.models import User
from portal.permissions import ensure_admin
from portal.queue import enqueue_on_commit
from summaries import aggregation, files, releases, spending
from summaries.cube import CELL_FIELDS, NATIONAL, Cube, cube_from_summaries, window
from summaries.disclosure import min_cell
from summaries.files import SummaryFile
from summaries.models import (
    AggregationRun,
    Release,
    ReleaseCell,
    ReleaseSpending,
    SummaryDownload,
)
from summaries.scope import SummaryFilters, can_download, province_ids_in_scope

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


def aggregation_recompute(*, province_id: int | None, period_id: int) -> AggregationRun:
    run = Run.objects.create(kind=Run.Kind.CELLS, province_id=province_id, period_id=period_id)
    with _tracked(run):
        run.rows = aggregation.recompute(province_id=province_id, period_id=period_id)
        run.cells = 1
    return run


# Longer than the longest task's hard time limit (summaries.tasks: 40 minutes): a run still
# "running" after this lost its worker (killed, machine restarted) and will never finish.
LOST_AFTER = datetime.timedelta(hours=1)


def aggregation_runs_settle_lost() -> int:
    """Mark runs whose worker died as failed, so the runs page tells the truth; returns how many.
    What they were recomputing is still marked stale, and the reconciler recomputes it."""
    return Run.objects.filter(
        status=Run.Status.RUNNING, started_at__lt=timezone.now() - LOST_AFTER
    ).update(
        status=Run.Status.FAILED,
        finished_at=timezone.now(),
        error=_("The worker stopped before the run finished; the reconciler recomputes its cells."),
    )


def aggregation_reconcile() -> AggregationRun | None:
    """Recompute every (province, period) still marked stale; None when there is nothing to do.
    Runs left "running" by a worker that died are marked failed first."""
    aggregation_runs_settle_lost()
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
    *,
    actor: User,
    filters: SummaryFilters,
    file_format: str,
    release_id: int | None = None,
    working: bool = False,
    spending_only: bool = False,
) -> tuple[SummaryDownload, SummaryFile]:
    """A summaries file for the actor: a release as published (the latest of the chosen year, or
    the one asked for), or, for admins who ask, the working figures marked confidential. The
    spending comes with the figures (a sheet of the workbook), or alone when asked (a CSV holds
    one table). The download is logged (who, which figures, which format) before the file is
    produced."""
    if not can_download(actor):
        raise PermissionDenied(_("Only reviewers and administrators can download summaries."))
    year = filters.year
    if working:
        ensure_admin(actor)
        if year is None:
            raise ReleaseError(_("Choose a year."))
        cube = cube_from_summaries(year, 4)
        label = _("Working figures %(year)s") % {"year": year}
        summary_file = SummaryFile(
            rows=files.cube_rows(cube, set(), min_cell(), label=label),
            about=files.working_about(),
            name=f"napwps-working-figures-{year}-CONFIDENTIAL",
            sheet_title=str(label),
            spending=spending.file_rows(
                spending.working_spending(year), label=str(label), provinces=None
            ),
        )
        action = audit.Action.WORKING_DOWNLOAD
    else:
        release = (
            Release.objects.filter(pk=release_id).first()
            if release_id is not None
            else Release.objects.filter(year=year or 0).newest()
        )
        if release is None:
            raise ReleaseError(_("No release has been published for this year yet."))
        version = releases.published_version(release)
        provinces = None if actor.is_portal_admin else province_ids_in_scope(user=actor)
        if filters.province is not None:
            provinces = (
                {filters.province.pk} if provinces is None else provinces & {filters.province.pk}
            )
        summary_file = SummaryFile(
            rows=files.cube_rows(
                version.cube,
                version.hidden or set(),
                release.min_cell,
                label=release.label,
                provinces=provinces,
            ),
            about=files.release_about(release),
            name=f"napwps-release-{release.year}-q{release.quarter}-r{release.revision}",
            sheet_title=release.label,
            spending=spending.file_rows(
                spending.released_spending(release), label=release.label, provinces=provinces
            ),
        )
        action = audit.Action.SUMMARY_DOWNLOAD
    if spending_only:
        summary_file = summary_file.spending_only()
    details = {
        **filters.as_dict(),
        "release": release_id,
        "working": working,
        "spending": spending_only,
    }
    log = SummaryDownload.objects.create(user=actor, file_format=file_format, filters=details)
    audit.record(action, user=actor, obj=log, detail=file_format)
    return log, summary_file


class ReleaseError(Exception):
    """A release that cannot be published as asked. The message is for the admin."""


RELEASE_LOCK = 7_420_241  # advisory lock: one publication at a time (next to REBUILD_LOCK)


@transaction.atomic
def release_publish(*, actor: User, year: int, quarter: int, note: str = "") -> Release:
    """Publish the working figures of a year through a quarter as a release (or a revision).

    Every period of the window must be locked. Suppression is decided over this release and
    every earlier one of the year, and the attacker's audit must pass before anything is stored.
    The approved spending of the window is published with it, as it is (nothing is hidden).
    """
    ensure_admin(actor)
    if not 1 <= quarter <= 4:
        raise ReleaseError(_("Choose a quarter from 1 to 4."))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RELEASE_LOCK])
    periods = window(year, quarter)
    if not periods:
        raise ReleaseError(_("There are no reporting periods in %(year)s.") % {"year": year})
    open_periods = [period.label for period in periods if not period.is_locked]
    if open_periods:
        raise ReleaseError(
            _("Lock these periods before publishing them: %(periods)s.")
            % {"periods": ", ".join(open_periods)}
        )
    earlier = Release.objects.filter(year=year).order_by("published_at", "pk")
    latest = earlier.newest()
    if latest is not None and quarter < latest.quarter:
        raise ReleaseError(
            _("%(release)s is already published: a release cannot go back to an earlier quarter.")
            % {"release": latest.label}
        )
    revision = earlier.filter(quarter=quarter).count()
    if revision and not note.strip():
        raise ReleaseError(_("Say what changed and why: a revision needs a note."))
    k = min_cell()
    published = releases.published_versions(earlier.prefetch_related("cells_set"))
    decision = releases.decide(year, quarter, k=k, earlier=published)
    findings = releases.audit_versions(
        [*published, releases.Version(decision.cube, decision.hidden)], k=k
    )
    if findings:  # protect() stops only when the audit passes; this is the second pair of eyes
        raise ReleaseError(_("The disclosure audit failed; nothing was published."))
    spent = spending.working_spending(year, quarter)
    if not decision.cube.cells and not spent:
        raise ReleaseError(_("There are no approved figures to publish for this period."))
    release = Release.objects.create(
        year=year,
        quarter=quarter,
        revision=revision,
        note=note.strip(),
        min_cell=k,
        published_by=actor,
        audit_seconds=decision.seconds,
    )
    cells = release_cells(release, decision.cube, decision.hidden)
    ReleaseCell.objects.bulk_create(cells, batch_size=5000)
    ReleaseSpending.objects.bulk_create(
        spending.release_spending_rows(release, spent), batch_size=5000
    )
    release.cells = len(cells)
    release.hidden_cells = sum(
        cell.value_hidden or cell.numerator_hidden or cell.denominator_hidden for cell in cells
    )
    release.save(update_fields=["cells", "hidden_cells"])
    audit.record(audit.Action.RELEASE_PUBLISHED, user=actor, obj=release, detail=release.label)
    return release


def release_cells(release: Release, cube: Cube, hidden: set) -> list[ReleaseCell]:
    """The rows that store a decided cube."""
    rows = []
    for key, cell in cube.cells.items():
        indicator_id, place, period_code, dimension, category = key
        rows.append(
            ReleaseCell(
                release=release,
                indicator_id=indicator_id,
                province_id=None if place == NATIONAL else place,
                period_code=period_code,
                dimension=dimension,
                category=category,
                value_hidden=(key, "value") in hidden,
                numerator_hidden=(key, "numerator") in hidden,
                denominator_hidden=(key, "denominator") in hidden,
                **{name: getattr(cell, name) for name in CELL_FIELDS},
            )
        )
    return rows
