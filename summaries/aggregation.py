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
WHERE r.status = 'approved' AND NOT f.not_applicable {where}
GROUP BY r.province_id, r.period_id, f.indicator_id, f.dimension, f.category
ON CONFLICT (province_id, period_id, indicator_id, dimension, category) DO UPDATE SET
    value = EXCLUDED.value, numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator,
    report_count = EXCLUDED.report_count, organisation_count = EXCLUDED.organisation_count,
    computed_at = EXCLUDED.computed_at
"""


def _statement(template: str, **clauses: str) -> str:
    """A statement with our own tables' names (from the models) and fixed clauses put in; every
    value stays a parameter. The one place SQL is put together, so no linter exception is needed."""
    tables = {"summary": SUMMARY, "stale": STALE, "report": REPORT, "figure": FIGURE}
    return template.format(**tables, **clauses)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _now_param() -> datetime.datetime | str | None:  # a string on SQLite, a datetime on PostgreSQL
    return connection.ops.adapt_datetimefield_value(timezone.now())


def recompute(*, province_id: int, period_id: int) -> int:
    """Rebuild the summary rows of one province and period; returns how many rows it holds."""
    with transaction.atomic(), connection.cursor() as cursor:
        if _is_postgres():
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [REBUILD_LOCK])
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [province_id, period_id])
        # Claim the stale mark first: a mark committed before this point describes a change the
        # SELECT below sees; one committed later stays for the next run.
        cursor.execute(
            _statement("DELETE FROM {stale} WHERE province_id = %s AND period_id = %s"),
            [province_id, period_id],
        )
        now = _now_param()
        cursor.execute(
            _statement(UPSERT, where="AND r.province_id = %s AND r.period_id = %s"),
            [now, province_id, period_id],
        )
        written: int = cursor.rowcount
        cursor.execute(
            _statement(
                "DELETE FROM {summary} WHERE province_id = %s AND period_id = %s"
                " AND computed_at < %s"
            ),
            [province_id, period_id, now],
        )
    return written


def rebuild_all() -> int:
    """Rebuild every summary row from every approved report; returns how many rows there are."""
    with transaction.atomic(), connection.cursor() as cursor:
        if _is_postgres():
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REBUILD_LOCK])
        cursor.execute(_statement("DELETE FROM {stale}"))
        now = _now_param()
        cursor.execute(_statement(UPSERT, where=""), [now])
        written: int = cursor.rowcount
        cursor.execute(_statement("DELETE FROM {summary} WHERE computed_at < %s"), [now])
    return written


def stale_cells() -> list[tuple[int, int]]:
    return list(StaleSummary.objects.order_by("marked_at").values_list("province_id", "period_id"))


def cells_with_data(
    *, period_ids: list[int] | None = None, province_ids: list[int] | None = None
) -> list[tuple[int, int]]:
    """(province, period) pairs that have approved reports or summary rows, optionally filtered."""
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
    return sorted(pairs)
