"""Aggregation of approved figures into provincial summaries, in the database.

Recomputing one (province, period) is one `INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE`
plus one `DELETE` of the cells that no longer have data, in a transaction. The same SQL runs on
PostgreSQL and on SQLite (3.24+). On PostgreSQL, advisory locks serialise two runs on the same
cells; SQLite serialises every write transaction anyway (`transaction_mode=IMMEDIATE`).
"""

import datetime

from django.db import connection, transaction
from django.utils import timezone

from reports.models import ActivityReport, Figure, StaleSummary
from summaries import versions
from summaries.models import ProvincialSummary

# Advisory lock keys: every recompute takes the shared lock, a full rebuild the exclusive one.
REBUILD_LOCK = 7_420_240  # an arbitrary constant, unique to this module
SUMMARY = ProvincialSummary._meta.db_table
STALE = StaleSummary._meta.db_table
REPORT = ActivityReport._meta.db_table
FIGURE = Figure._meta.db_table

UPSERT = """
INSERT INTO {summary} (province_id, period_id, indicator_id, dimension, category,
    value, numerator, denominator, report_count, organisation_count, computed_at)
SELECT r.province_id, r.period_id, f.indicator_id, f.dimension, f.category,
    SUM(f.value), SUM(f.numerator), SUM(f.denominator),
    COUNT(*), COUNT(DISTINCT r.organisation_id), %s
FROM {figure} f JOIN {report} r ON r.id = f.report_id
WHERE r.status = 'approved' AND NOT f.not_applicable AND {level} {where}
GROUP BY r.province_id, r.period_id, f.indicator_id, f.dimension, f.category
ON CONFLICT {target} DO UPDATE SET
    value = EXCLUDED.value, numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator,
    report_count = EXCLUDED.report_count, organisation_count = EXCLUDED.organisation_count,
    computed_at = EXCLUDED.computed_at
"""
# Provincial rows, and national reports' rows (no province: a partial unique index of their own).
LEVELS = {
    "provincial": (
        "r.province_id IS NOT NULL",
        "(province_id, period_id, indicator_id, dimension, category)",
    ),
    "national": (
        "r.province_id IS NULL",
        "(period_id, indicator_id, dimension, category) WHERE province_id IS NULL",
    ),
}


def _upserts(where: str) -> list[str]:
    return [
        _statement(UPSERT, level=level, target=target, where=where)
        for level, target in LEVELS.values()
    ]


def _statement(template: str, **clauses: str) -> str:
    """A statement with our own tables' names (from the models) and fixed clauses put in; every
    value stays a parameter. The one place SQL is put together, so no linter exception is needed."""
    tables = {"summary": SUMMARY, "stale": STALE, "report": REPORT, "figure": FIGURE}
    return template.format(**tables, **clauses)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _now_param() -> datetime.datetime | str | None:  # a string on SQLite, a datetime on PostgreSQL
    return connection.ops.adapt_datetimefield_value(timezone.now())


def recompute(*, province_id: int | None, period_id: int) -> int:
    """Rebuild the summary rows of one province and period (no province: the period's national
    reports); returns how many rows it holds."""
    place = "province_id IS NULL" if province_id is None else "province_id = %s"
    place_params = [] if province_id is None else [province_id]
    with transaction.atomic(), connection.cursor() as cursor:
        if _is_postgres():
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [REBUILD_LOCK])
            # Provinces' keys are their primary keys (from 1): 0 stands for the nation.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [province_id or 0, period_id])
        # Claim the stale mark first: a mark committed before this point describes a change the
        # SELECT below sees; one committed later stays for the next run.
        cursor.execute(
            _statement("DELETE FROM {stale} WHERE {place} AND period_id = %s", place=place),
            [*place_params, period_id],
        )
        now = _now_param()
        level = "national" if province_id is None else "provincial"
        statement = _statement(
            UPSERT,
            level=LEVELS[level][0],
            target=LEVELS[level][1],
            where=f"AND r.{place} AND r.period_id = %s",
        )
        cursor.execute(statement, [now, *place_params, period_id])
        written: int = cursor.rowcount
        cursor.execute(
            _statement(
                "DELETE FROM {summary} WHERE {place} AND period_id = %s AND computed_at < %s",
                place=place,
            ),
            [*place_params, period_id, now],
        )
        versions.bump()  # last: the one row's lock is held for the shortest time
    return written


def rebuild_all() -> int:
    """Rebuild every summary row from every approved report; returns how many rows there are."""
    with transaction.atomic(), connection.cursor() as cursor:
        if _is_postgres():
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REBUILD_LOCK])
        cursor.execute(_statement("DELETE FROM {stale}"))
        now = _now_param()
        written = 0
        for statement in _upserts(where=""):
            cursor.execute(statement, [now])
            written += cursor.rowcount
        cursor.execute(_statement("DELETE FROM {summary} WHERE computed_at < %s"), [now])
        versions.bump()
    return written


def stale_cells() -> list[tuple[int | None, int]]:
    return list(StaleSummary.objects.order_by("marked_at").values_list("province_id", "period_id"))


def cells_with_data(
    *, period_ids: list[int] | None = None, province_ids: list[int] | None = None
) -> list[tuple[int | None, int]]:
    """(province, period) pairs that have approved reports or summary rows, optionally filtered;
    a pair without a province stands for the period's national reports."""
    reports = ActivityReport.objects.filter(status=ActivityReport.Status.APPROVED)
    summaries = ProvincialSummary.objects.all()
    if period_ids is not None:
        reports, summaries = (
            reports.filter(period__in=period_ids),
            summaries.filter(period__in=period_ids),
        )
    if province_ids is not None:
        reports = reports.filter(province__in=province_ids)
        summaries = summaries.filter(province__in=province_ids)
    pairs = set(reports.values_list("province_id", "period_id").distinct())
    pairs |= set(summaries.values_list("province_id", "period_id").distinct())
    return sorted(pairs, key=lambda pair: (pair[0] or 0, pair[1]))
