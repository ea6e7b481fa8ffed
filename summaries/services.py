"""Writes of the summaries: aggregation runs that admins can follow, rebuilds, download logs."""

import datetime
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import audit
from portal.models import User
from portal.permissions import ensure_admin
from portal.queue import enqueue_on_commit
from reports.models import ActivityReport
from summaries import (
    aggregation,
    dhis2,
    files,
    nap_report,
    nap_report_render,
    release_files,
    releases,
    selectors,
    spending,
)
from summaries.cube import CELL_FIELDS, NATIONAL, Cube, cube_from_summaries, window
from summaries.disclosure import min_cell
from summaries.files import SummaryFile
from summaries.models import (
    AggregationRun,
    Dhis2Push,
    NapReportBuild,
    NapReportHighlight,
    Release,
    ReleaseCell,
    ReleaseSpending,
    SummaryDownload,
)
from summaries.nap_report import NapReportError
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
        provinces = None if actor.is_portal_admin else province_ids_in_scope(user=actor)
        if filters.province is not None:
            provinces = (
                {filters.province.pk} if provinces is None else provinces & {filters.province.pk}
            )
        summary_file = release_file(release, provinces)
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


def release_file(release: Release, provinces: set[int] | None) -> SummaryFile:
    """A release's file of these provinces (None: all), read from its stored cells and flags."""
    layout = release_files.layout_for(release, provinces)
    return SummaryFile(
        rows=release_files.typed_rows(release, layout),
        about=files.release_about(release),
        name=f"napwps-release-{release.year}-q{release.quarter}-r{release.revision}",
        sheet_title=release.label,
        csv_rows=lambda counter: release_files.csv_rows(release, layout, counter),
        spending=spending.file_rows(
            spending.released_spending(release), label=release.label, provinces=provinces
        ),
    )


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


# --- The annual NAP progress report ---------------------------------------------------------------


def nap_report_write(
    *,
    year: int,
    language: str,
    file_format: str,
    output: IO[bytes],
    step: Callable[[int], None] | None = None,
) -> Release:
    """Write the year's report, in a language and a format, from its newest release; returns the
    release it read. Raises NapReportError when the year has no release."""
    tell = step or (lambda _percent: None)
    if file_format not in NapReportBuild.Format.values:
        raise NapReportError(_("Choose DOCX or PDF."))
    if language not in NapReportBuild.Language.values:
        raise NapReportError(_("Choose Vietnamese or English."))
    with translation.override(language):
        report = nap_report.build_report(year, step=tell)
        drawn = nap_report_render.charts(report, tell)
        if file_format == NapReportBuild.Format.PDF:
            nap_report_render.write_pdf(report, drawn, output)
        else:
            nap_report_render.write_docx(report, drawn, output)
    tell(95)
    return nap_report.release_for_year(year)


def nap_report_request(
    *, actor: User, year: int, language: str, file_format: str
) -> NapReportBuild:
    """An admin asks for the year's report: checked now (a release must exist), built by a
    Celery task whose progress the report page shows."""
    ensure_admin(actor)
    release = nap_report.release_for_year(year)
    with transaction.atomic():
        build = NapReportBuild.objects.create(
            year=year,
            language=language,
            file_format=file_format,
            release=release,
            requested_by=actor,
        )
        audit.record(
            audit.Action.NAP_REPORT_BUILT,
            user=actor,
            obj=build,
            detail=f"{year} {language} {file_format} {release.label}",
        )
        enqueue_on_commit("summaries.tasks.build_nap_report", build.pk)
    return build


def nap_report_build_run(*, build_id: int) -> NapReportBuild:
    """Build a requested report into media, saving its progress as it goes; safe to repeat (a
    finished build is left as it is)."""
    build = NapReportBuild.objects.get(pk=build_id)
    if build.is_finished:
        return build
    build.status, build.started_at, build.error = NapReportBuild.Status.RUNNING, timezone.now(), ""
    build.save(update_fields=["status", "started_at", "error"])

    def step(percent: int) -> None:
        if percent >= build.progress + 5:  # a save every 5% is enough for a page polling it
            build.progress = percent
            NapReportBuild.objects.filter(pk=build.pk).update(progress=percent)

    try:
        with tempfile.TemporaryFile() as handle:
            release = nap_report_write(
                year=build.year,
                language=build.language,
                file_format=build.file_format,
                output=handle,
                step=step,
            )
            handle.seek(0)
            build.file.save(build.download_name, File(handle), save=False)
    except Exception as exc:
        build.status, build.finished_at = NapReportBuild.Status.FAILED, timezone.now()
        build.error = f"{type(exc).__name__}: {exc}"[:2000]
        build.save(update_fields=["status", "finished_at", "error"])
        raise
    build.status, build.finished_at, build.progress = (
        NapReportBuild.Status.DONE,
        timezone.now(),
        100,
    )
    build.release = release
    build.save(update_fields=["status", "finished_at", "progress", "release", "file"])
    return build


def nap_report_download(*, actor: User, build_id: int) -> NapReportBuild:
    """A finished report for an admin to download; the download is audited."""
    ensure_admin(actor)
    build = NapReportBuild.objects.filter(pk=build_id, status=NapReportBuild.Status.DONE).first()
    if build is None or not build.file:
        raise Http404(_("No such report file."))
    audit.record(
        audit.Action.NAP_REPORT_DOWNLOAD,
        user=actor,
        obj=build,
        detail=f"{build.year} {build.language} {build.file_format}",
    )
    return build


@transaction.atomic
def nap_highlight_add(*, actor: User, year: int, report_id: int) -> NapReportHighlight:
    """Pick an approved report of the year as a narrative highlight of the year's report."""
    ensure_admin(actor)
    report = ActivityReport.objects.select_related("period").filter(pk=report_id).first()
    if report is None or report.status != ActivityReport.Status.APPROVED:
        raise NapReportError(
            _("Report %(number)s is not an approved report.") % {"number": report_id}
        )
    if report.period.year != year:
        raise NapReportError(
            _("Report %(number)s is of %(other)s, not %(year)s.")
            % {"number": report_id, "other": report.period.year, "year": year}
        )
    highlight, created = NapReportHighlight.objects.get_or_create(
        year=year, report=report, defaults={"chosen_by": actor}
    )
    if created:
        audit.record(
            audit.Action.NAP_HIGHLIGHTS_CHANGED, user=actor, obj=highlight, detail=f"+{report_id}"
        )
    return highlight


@transaction.atomic
def nap_highlight_remove(*, actor: User, highlight_id: int) -> None:
    ensure_admin(actor)
    highlight = NapReportHighlight.objects.filter(pk=highlight_id).first()
    if highlight is None:
        raise Http404(_("No such highlight."))
    audit.record(
        audit.Action.NAP_HIGHLIGHTS_CHANGED,
        user=actor,
        obj=highlight,
        detail=f"-{highlight.report_id}",
    )
    highlight.delete()


class Dhis2ExportError(Exception):
    """A DHIS2 export or push that cannot be made as asked. The message is for the admin."""


@dataclass
class Dhis2File:
    content: bytes
    filename: str
    content_type: str
    export: dhis2.Export


DHIS2_FORMATS = {"json": "application/json", "adx": "application/adx+xml"}


def dhis2_export_file(*, actor: User, release_id: int, file_format: str) -> Dhis2File:
    """A release's data values as a `dataValueSets` JSON file or an ADX file (admins; audited).
    An ADX file is checked against the ADX schema before it leaves."""
    export = selectors.dhis2_export_for(user=actor, release_id=release_id)
    if file_format not in DHIS2_FORMATS:
        raise Http404(_("No such format."))
    if not export.values:
        raise Dhis2ExportError(
            _(
                "%(release)s has no value to export: map its indicators, cells and provinces "
                "to DHIS2 first."
            )
            % {"release": export.release.label}
        )
    release = export.release
    name = f"napwps-release-{release.year}-q{release.quarter}-r{release.revision}-dhis2"
    if file_format == "json":
        content = json.dumps(dhis2.data_value_set(export), ensure_ascii=False).encode()
        filename = f"{name}.json"
    else:
        content = dhis2.adx_document(export)
        errors = dhis2.adx_errors(content)
        if errors:  # the writer's bug, never the admin's: say so rather than send a bad file
            raise Dhis2ExportError(
                _("The ADX file failed its schema: %(error)s") % {"error": errors[0]}
            )
        filename = f"{name}.adx.xml"
    audit.record(
        audit.Action.DHIS2_EXPORT,
        user=actor,
        obj=release,
        detail=f"{file_format} values={len(export.values)} unmapped={export.skipped}",
    )
    return Dhis2File(content, filename, DHIS2_FORMATS[file_format], export)


def dhis2_push_request(*, actor: User, release_id: int) -> Dhis2Push:
    """An admin asks for a release to be pushed to the configured DHIS2 server: checked now
    (configured, something to send, nothing already under way), sent by a Celery task."""
    export = selectors.dhis2_export_for(user=actor, release_id=release_id)
    if not dhis2.is_configured():
        raise Dhis2ExportError(_("No DHIS2 server is configured (DHIS2_URL)."))
    if not export.values:
        raise Dhis2ExportError(
            _("%(release)s has no value to send: map it to DHIS2 first.")
            % {"release": export.release.label}
        )
    with transaction.atomic():
        Release.objects.select_for_update().get(pk=export.release.pk)
        busy = Dhis2Push.objects.filter(
            release=export.release, status__in=[Dhis2Push.Status.QUEUED, Dhis2Push.Status.RUNNING]
        ).exists()
        if busy:
            raise Dhis2ExportError(_("A push of this release is already under way."))
        push = Dhis2Push.objects.create(
            release=export.release, requested_by=actor, values=len(export.values)
        )
        audit.record(
            audit.Action.DHIS2_PUSH,
            user=actor,
            obj=push,
            detail=f"requested release={export.release.pk} values={len(export.values)}",
        )
        enqueue_on_commit("summaries.tasks.push_to_dhis2", push.pk)
    return push


def dhis2_push_run(*, push_id: int) -> Dhis2Push:
    """Send a requested push: a dry run, then, only if DHIS2 found nothing wrong, the import.
    Each import summary is kept on the push and the outcome audited. Safe to repeat: a finished
    push is left as it is (and a repeated import only updates the same values in DHIS2)."""
    push = Dhis2Push.objects.select_related("release", "requested_by").get(pk=push_id)
    if push.is_finished:
        return push
    push.status = Dhis2Push.Status.RUNNING
    push.save(update_fields=["status"])
    export = dhis2.build_export(push.release)
    payload = dhis2.data_value_set(export)
    push.values = len(export.values)
    stage = "dry_run"
    try:
        if not export.values:
            raise dhis2.Dhis2Error(_("There is no value to send: map the release to DHIS2 first."))
        push.dry_run_summary = dhis2.post_data_values(payload, dry_run=True)
        stage = "import"
        push.import_summary = dhis2.post_data_values(payload, dry_run=False)
    except dhis2.Dhis2Error as error:
        if stage == "dry_run":
            push.dry_run_summary = error.summary
        else:
            push.import_summary = error.summary
        push.status, push.error = Dhis2Push.Status.FAILED, str(error)[:2000]
    else:
        push.status = Dhis2Push.Status.DONE
    push.finished_at = timezone.now()
    push.save(
        update_fields=[
            "status",
            "finished_at",
            "values",
            "dry_run_summary",
            "import_summary",
            "error",
        ]
    )
    summary = push.import_summary or push.dry_run_summary or {}
    audit.record(
        audit.Action.DHIS2_PUSH,
        user=push.requested_by,
        obj=push,
        detail=(
            f"{stage} {summary.get('status', '-')} imported={summary.get('imported', 0)} "
            f"updated={summary.get('updated', 0)} ignored={summary.get('ignored', 0)} "
            f"conflicts={len(summary.get('conflicts', []))}"
        ),
        outcome=audit.Outcome.SUCCESS
        if push.status == Dhis2Push.Status.DONE
        else audit.Outcome.FAILURE,
    )
    return push
