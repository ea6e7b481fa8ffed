"""Aggregation at scale, on PostgreSQL. Prints times and ratios; asserts nothing.

    DATABASE_URL=postgres://.../big python manage.py seed_demo --reports 100000
    DATABASE_URL=postgres://.../big python bench/aggregation.py rebuild
    DATABASE_URL=postgres://.../big python bench/aggregation.py recompute
    DATABASE_URL=postgres://.../big python bench/aggregation.py latency
    DATABASE_URL=postgres://.../big python bench/aggregation.py export --rows 1000000
    python bench/aggregation.py scaling --small postgres://.../10k --large postgres://.../100k

rebuild    the portal's full rebuild beside (a) the bare SELECT ... GROUP BY it is built on, rows
           fetched and discarded, and (b) the same aggregation as one hand-written
           INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE; medians of interleaved runs.
recompute  one approval's recompute: a probe (province, period) holding a fixed set of approved
           reports, so that its time depends on the size of the tables only; rolled back after.
latency    with a real Celery worker on REDIS_URL: approve a report and wait for its summary.
export     CSV and XLSX of N summary rows (synthetic rows, rolled back) in child processes,
           reporting each one's peak resident memory.
scaling    runs `recompute` on two databases and prints the ratio of their medians.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _setup import django_setup, timed

HERE = Path(__file__).resolve()
PROBE_PERIOD = "2030-Q4"  # no demo data is ever seeded there
PROBE_REPORTS = 200


def approved_cells() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM reports_figure f JOIN reports_activityreport r"
            " ON r.id = f.report_id WHERE r.status = 'approved' AND NOT f.not_applicable"
        )
        return cursor.fetchone()[0]


def cmd_rebuild(args) -> None:
    from django.db import connection, transaction

    from summaries import aggregation, services

    cells = approved_cells()
    print(f"{cells:,} approved figure cells")
    if cells < 1_000_000:
        print("note: fewer than 1,000,000 cells; seed_demo --reports 100000 gives about 1.1M")
    raw_sql = aggregation._statement(aggregation.UPSERT, where="")
    bare_sql = "SELECT" + raw_sql.split("ON CONFLICT")[0].split("SELECT", 1)[1]

    def bare():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(bare_sql, [aggregation._now_param()])
            while cursor.fetchmany(10_000):
                pass

    def raw():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(raw_sql, [aggregation._now_param()])

    def portal():
        services.aggregation_full()

    portal()  # warm the cache and create the rows once
    results = {"bare": [], "raw": [], "portal": []}
    for _ in range(args.repeat):
        for name, function in (("bare", bare), ("raw", raw), ("portal", portal)):
            results[name] += timed(function, 1)[1]
    medians = {name: sorted(v)[len(v) // 2] for name, v in results.items()}
    rows = aggregation.ProvincialSummary.objects.count()
    print(f"{rows:,} summary rows; medians of {args.repeat} interleaved runs:")
    print(f"  (a) bare SELECT ... GROUP BY, fetched : {medians['bare']:9.0f} ms")
    print(f"  (b) raw INSERT ... ON CONFLICT        : {medians['raw']:9.0f} ms")
    print(f"  portal full rebuild                   : {medians['portal']:9.0f} ms")
    print(f"  portal / (b) = {medians['portal'] / medians['raw']:.2f} (goal: at most 1.1)")
    print(f"  portal / (a) = {medians['portal'] / medians['bare']:.2f}")
    print(f"  (b) / (a)    = {medians['raw'] / medians['bare']:.2f}")


def _probe(province, period, count: int):
    """Approved reports in a cell nobody else uses, with demo figures; caller rolls back."""
    import random

    from django.utils import timezone

    from indicators.models import Programme
    from portal.models import Organisation, User
    from reports.demo import FIGURE_FIELDS, _figures
    from reports.models import ActivityReport, Figure

    rng = random.Random(7)
    programme = Programme.objects.filter(frequency="quarterly").order_by("code").first()
    indicators = list(programme.indicators.order_by("code"))
    author = User.objects.order_by("pk").first()
    organisations = Organisation.objects.bulk_create(
        [Organisation(name=f"Bench probe {n}", kind="cso", province=province) for n in range(count)]
    )
    now = timezone.now()
    reports = ActivityReport.objects.bulk_create(
        [
            ActivityReport(
                organisation=o,
                programme=programme,
                period=period,
                province=province,
                title="probe",
                status="approved",
                version=4,
                created_by=author,
                created_at=now,
                updated_at=now,
            )
            for o in organisations
        ]
    )
    figures = [
        Figure(**dict(zip(FIGURE_FIELDS, row, strict=True)))
        for report in reports
        for row in _figures(rng, report.pk, indicators, True)
    ]
    Figure.objects.bulk_create(figures, batch_size=5000)
    return len(figures)


class Rollback(Exception):
    pass


def cmd_recompute(args) -> None:
    from django.db import transaction

    from portal.models import Province
    from reports.models import ActivityReport, ReportingPeriod
    from summaries import aggregation

    province = Province.objects.order_by("code").first()
    year, quarter = PROBE_PERIOD.split("-Q")
    probe_period = ReportingPeriod.objects.get(kind="quarter", year=int(year), number=int(quarter))
    result = {}
    try:
        with transaction.atomic():
            figures = _probe(province, probe_period, PROBE_REPORTS)
            aggregation.recompute(province_id=province.pk, period_id=probe_period.pk)
            median, samples = timed(
                lambda: aggregation.recompute(province_id=province.pk, period_id=probe_period.pk),
                args.repeat,
            )
            result = {
                "reports_in_database": ActivityReport.objects.count(),
                "probe_reports": PROBE_REPORTS,
                "probe_figures": figures,
                "median_ms": median,
                "max_ms": max(samples),
            }
            raise Rollback
    except Rollback:
        pass
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{result['reports_in_database']:,} reports; probe cell of {PROBE_REPORTS} approved "
        f"reports ({result['probe_figures']:,} figure rows): recompute median "
        f"{result['median_ms']:.1f} ms, max {result['max_ms']:.1f} ms over {args.repeat} runs"
    )


def cmd_scaling(args) -> None:
    medians = {}
    for label, url in (("small", args.small), ("large", args.large)):
        env = {**os.environ, "DATABASE_URL": url}
        out = (
            subprocess.run(  # noqa: S603 - this script, with arguments it built
                [sys.executable, str(HERE), "recompute", "--json", "--repeat", str(args.repeat)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        medians[label] = json.loads(out)
        data = medians[label]
        print(
            f"{label:5}: {data['reports_in_database']:>8,} reports, recompute median "
            f"{data['median_ms']:.1f} ms"
        )
    ratio = medians["large"]["median_ms"] / medians["small"]["median_ms"]
    print(f"large / small = {ratio:.2f} (goal: at most 1.5)")


def cmd_latency(args) -> None:
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    from config.celery import app
    from portal.models import User
    from reports import services
    from reports.models import ActivityReport
    from summaries.models import ProvincialSummary

    if not settings.REDIS_URL:
        sys.exit("latency needs REDIS_URL (a real broker) and a PostgreSQL DATABASE_URL")
    app.conf.task_always_eager = False
    samples = []
    reviewer = User.objects.filter(memberships__role="admin").order_by("pk").first()
    waiting = (
        ActivityReport.objects.filter(status="submitted")
        .exclude(created_by=reviewer)
        .exclude(submitted_by=reviewer)
        .order_by("pk")[: args.repeat]
    )
    # The floor: a task that does nothing but say it ran, through the same broker and worker.
    arrived = threading.Event()

    @app.task(name="bench.ping")
    def ping() -> None:
        arrived.set()

    floor = []
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False):
        for report in waiting:
            arrived.clear()
            started = time.perf_counter()
            ping.delay()
            arrived.wait(30)
            floor.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            services.report_approve(reviewer=reviewer, report_id=report.pk)
            approved_at = report.__class__.objects.get(pk=report.pk).reviewed_at
            while time.perf_counter() - started < 30:
                if ProvincialSummary.objects.filter(
                    province_id=report.province_id,
                    period_id=report.period_id,
                    computed_at__gte=approved_at,
                ).exists():
                    break
                time.sleep(0.005)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    floor.sort()
    median, floor_median = samples[len(samples) // 2], floor[len(floor) // 2]
    print(
        f"approval -> summary visible through Redis and a worker, {len(samples)} approvals: "
        f"median {median:.0f} ms, max {samples[-1]:.0f} ms (goal: median 1000 ms)"
    )
    print(
        f"floor: a no-op task's round trip through the same broker and worker, median "
        f"{floor_median:.1f} ms; approval / floor = {median / floor_median:.1f}"
    )


SYNTHETIC = """
INSERT INTO indicators_provincialsummary (province_id, period_id, indicator_id, dimension,
    category, value, numerator, denominator, report_count, organisation_count, computed_at)
SELECT p.id, q.id, i.id, c.dimension, c.category, (random() * 300)::int, NULL, NULL, 3, 2, now()
FROM portal_province p CROSS JOIN reports_reportingperiod q CROSS JOIN indicators_indicator i
CROSS JOIN (VALUES {cells}) AS c (dimension, category)
ON CONFLICT DO NOTHING
"""


def _cells(count: int) -> str:
    """The first `count` real (dimension, category) cells, as SQL VALUES (our own constants)."""
    from reports.disaggregation import DIMENSIONS, TOTAL

    cells = [(TOTAL, "")] + [(d, c) for d, (_l, cats) in DIMENSIONS.items() for c, _n in cats]
    if count > len(cells):
        sys.exit(f"at most {len(cells)} cells per indicator; ask for fewer rows")
    return ", ".join(f"('{d}', '{c}')" for d, c in cells[:count])


def cmd_export_child(args) -> None:
    from itertools import chain

    from django.db import connection, transaction
    from django.utils import translation

    from portal.spreadsheets import csv_stream, write_xlsx
    from reports.models import ReportingPeriod
    from summaries.cube import cube_from_summaries
    from summaries.files import cube_rows, header
    from summaries.models import ProvincialSummary

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT (SELECT count(*) FROM portal_province) * "
                    "(SELECT count(*) FROM reports_reportingperiod) * "
                    "(SELECT count(*) FROM indicators_indicator)"
                )
                combos = cursor.fetchone()[0]
                per_combo = -(-max(args.rows - ProvincialSummary.objects.count(), 0) // combos)
                cursor.execute(SYNTHETIC.format(cells=_cells(max(per_combo, 1))))
            rows_in_table = ProvincialSummary.objects.count()
            started = time.perf_counter()
            years = sorted(set(ReportingPeriod.objects.values_list("year", flat=True)))
            rows = chain.from_iterable(
                cube_rows(cube_from_summaries(year, 4), set(), 5, label="bench") for year in years
            )
            with translation.override("vi"), tempfile.TemporaryFile() as target:
                if args.format == "csv":
                    for chunk in csv_stream(header(), rows):
                        target.write(chunk.encode())
                    written = rows_in_table
                else:
                    written = write_xlsx(target, header(), rows, sheet_title="bench")
                size = target.tell()
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "format": args.format,
                "rows": written,
                "seconds": round(seconds, 1),
                "megabytes_written": round(size / 1e6, 1),
                "peak_rss_mb": round(peak / 1024, 1),
                "rss_before_mb": round(base / 1024, 1),
            }
        )
    )


def cmd_export(args) -> None:
    for file_format in ("csv", "xlsx"):
        command = [sys.executable, str(HERE), "export-child", "--format", file_format]
        out = (
            subprocess.run(  # noqa: S603 - this script, with arguments it built
                [*command, "--rows", str(args.rows)],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        data = json.loads(out)
        print(
            f"{file_format.upper():4} {data['rows']:>9,} rows in {data['seconds']:>6.1f} s, "
            f"{data['megabytes_written']:>6.1f} MB written, peak RSS {data['peak_rss_mb']:.0f} MB "
            f"(goal: under 200 MB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("rebuild")
    p.add_argument("--repeat", type=int, default=5)
    p = sub.add_parser("recompute")
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("scaling")
    p.add_argument("--small", required=True)
    p.add_argument("--large", required=True)
    p.add_argument("--repeat", type=int, default=30)
    p = sub.add_parser("latency")
    p.add_argument("--repeat", type=int, default=10)
    p = sub.add_parser("export")
    p.add_argument("--rows", type=int, default=1_000_000)
    p = sub.add_parser("export-child")
    p.add_argument("--format", choices=["csv", "xlsx"], required=True)
    p.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.command != "scaling" and args.command != "export":
        django_setup()
    handler = {
        "rebuild": cmd_rebuild,
        "recompute": cmd_recompute,
        "scaling": cmd_scaling,
        "latency": cmd_latency,
        "export": cmd_export,
        "export-child": cmd_export_child,
    }[args.command]
    handler(args)


if __name__ == "__main__":
    main()
