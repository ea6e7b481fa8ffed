"""Release files at scale, on PostgreSQL: CSV and XLSX of a 1M-cell release against their floors.
Prints times, ratios and peak memory; asserts nothing.

    export DATABASE_URL=postgres://.../files_bench      # a database of its own, migrated
    python bench/files.py seed --rows 1000000            # a synthetic release, bulk SQL
    python bench/files.py csv                            # portal CSV vs bare COPY of the rows
    python bench/files.py xlsx                           # portal XLSX vs the writer fed tuples
    python bench/files.py xlsx-writers --rows 100000     # openpyxl / XlsxWriter / rustpy / ours

seed          a release of year 2031 with about N cells (synthetic indicators with every
              disaggregation, the nation and 34 provinces, four quarters and the year; one part
              in ten hidden), inserted with one INSERT ... SELECT; replaces an earlier one.
csv           the portal's CSV of that release (`services.release_file` + `files.csv_chunks`,
              what the download view streams) beside the floor: a bare
              `COPY (SELECT * FROM summaries_releasecell WHERE release_id = ...) TO STDOUT` of the
              same rows. Both write to a temporary file; each run is its own process, A B A B...,
              and the ratio is taken pair by pair (median).
xlsx          the portal's XLSX (`files.xlsx_file`) beside the writer alone
              (`portal.spreadsheets.write_xlsx`) fed plain tuples of the same shape and count.
xlsx-writers  openpyxl write-only, XlsxWriter constant_memory, rustpy-xlsxwriter (plain, and
              with dedupe_strings) and the portal's own streaming writer (`portal.xlsx`,
              "stream"), each fed the same N plain tuples; speed as a ratio to the fastest.
              `--writers stream,rustpy` measures only some.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import django_setup

HERE = Path(__file__).resolve()
YEAR = 2031  # no demo data is ever seeded there
BENCH_PREFIX = "BENCH-"
CELLS_PER_PLACE_PERIOD = 16  # total + sex (3) + age band (9) + disability (3)
PLACES = 35  # the nation and 34 provinces
PERIODS = 5  # four quarters and the year
WRITERS = ("openpyxl", "xlsxwriter", "rustpy", "rustpy-dedupe", "stream")


def _release():
    from summaries.models import Release

    release = Release.objects.filter(year=YEAR).first()
    if release is None:
        sys.exit(f"no release of {YEAR}: run `python bench/files.py seed` first")
    return release


def cmd_seed(args) -> None:
    from django.db import connection, transaction

    from indicators.models import Indicator, Pillar
    from portal.models import Province, User
    from reports.disaggregation import DIMENSIONS, categories
    from summaries.models import Release, ReleaseCell

    indicators = -(-args.rows // (CELLS_PER_PLACE_PERIOD * PLACES * PERIODS))
    started = time.perf_counter()
    with transaction.atomic():
        Release.objects.filter(year=YEAR).delete()
        Indicator.objects.filter(code__startswith=BENCH_PREFIX).delete()
        pillars = [choice for choice, _label in Pillar.choices]
        every_category = {d: [c for c, _label in categories(d)] for d in DIMENSIONS}
        Indicator.objects.bulk_create(
            Indicator(
                code=f"{BENCH_PREFIX}{number:04d}",
                name_vi=f"Chỉ số thử nghiệm {number}",
                name_en=f"Benchmark indicator {number}",
                pillar=pillars[number % len(pillars)],
                unit="persons",
                aggregation="ratio" if number % 5 == 0 else "count",
                disaggregation=every_category,
            )
            for number in range(indicators)
        )
        admin, _created = User.objects.get_or_create(
            email="bench-files@example.org", defaults={"full_name": "Bench"}
        )
        release = Release.objects.create(
            year=YEAR, quarter=4, min_cell=5, published_by=admin, note="benchmark"
        )
        if Province.objects.count() != PLACES - 1:
            sys.exit("the database needs its 34 provinces (python manage.py migrate)")
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO summaries_releasecell (
                    release_id, indicator_id, province_id, period_code, dimension, category,
                    value, numerator, denominator, value_hidden, numerator_hidden,
                    denominator_hidden, report_count, organisation_count,
                    organisations_expected, provinces_reporting, bodies_reporting, periods_in,
                    periods_expected, provisional)
                SELECT %(release)s, i.id, p.id, pe.code, d.dimension, d.category,
                    CASE WHEN i.aggregation = 'count' THEN (random() * 200)::int END,
                    CASE WHEN i.aggregation = 'ratio' THEN (random() * 50)::int END,
                    CASE WHEN i.aggregation = 'ratio' THEN 50 + (random() * 50)::int END,
                    random() < 0.1, random() < 0.1, random() < 0.1,
                    (random() * 40)::int, (random() * 20)::int, 20,
                    CASE WHEN p.id IS NULL THEN 34 ELSE 0 END,
                    CASE WHEN p.id IS NULL THEN 2 ELSE 0 END,
                    CASE WHEN pe.code = %(year)s THEN 4 ELSE 0 END,
                    CASE WHEN pe.code = %(year)s THEN 4 ELSE 0 END,
                    random() < 0.2
                FROM indicators_indicator i
                CROSS JOIN (SELECT id FROM portal_province UNION ALL SELECT NULL) p
                CROSS JOIN (VALUES (%(year)s || '-Q1'), (%(year)s || '-Q2'),
                    (%(year)s || '-Q3'), (%(year)s || '-Q4'), (%(year)s)) pe (code)
                CROSS JOIN (VALUES ('total', ''), ('sex', 'female'), ('sex', 'male'),
                    ('sex', 'other'), ('age', '0-5'), ('age', '6-11'), ('age', '12-15'),
                    ('age', '16-17'), ('age', '18-24'), ('age', '25-49'), ('age', '50-59'),
                    ('age', '60+'), ('age', 'unknown'), ('disability', 'yes'),
                    ('disability', 'no'), ('disability', 'unknown')) d (dimension, category)
                WHERE i.code LIKE %(prefix)s
                """,
                {"release": release.pk, "year": str(YEAR), "prefix": BENCH_PREFIX + "%"},
            )
            cells = cursor.rowcount
        release.cells = cells
        release.save(update_fields=["cells"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE summaries_releasecell")
    stored = ReleaseCell.objects.filter(release=release).count()
    print(
        f"release {release.pk} of {YEAR}: {stored:,} cells, {indicators} indicators, "
        f"in {time.perf_counter() - started:.1f} s"
    )


def _tuples(count: int):
    """Plain tuples shaped like a release file's rows (text, numbers, blanks)."""
    for number in range(count):
        yield (
            "Năm 2031",
            f"BENCH-{number % 358:04d}",
            "Chỉ số thử nghiệm",
            "Bảo vệ",
            "01",
            "Thành phố Hà Nội",
            "2031-Q1",
            "Nhóm tuổi",
            "18-24",
            number % 200,
            "",
            "",
            number % 40,
            number % 20,
            20,
            "",
            "",
            "",
            "có",
        )


def _child(kind: str, rows: int) -> dict:
    """One measured run in this (fresh) process."""
    from django.db import connection

    from summaries import files, services

    release = _release() if kind in ("csv", "copy", "xlsx") else None
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryFile() as target:
        started = time.perf_counter()
        if kind == "csv":
            summary_file = services.release_file(release, None)
            log = None
            for chunk in files.csv_chunks(summary_file, log):
                target.write(chunk)
        elif kind == "copy":
            with connection.cursor() as cursor:
                sql = "COPY (SELECT * FROM summaries_releasecell WHERE release_id = %s) TO STDOUT"
                with cursor.cursor.copy(sql, [release.pk]) as copy:
                    for data in copy:
                        target.write(data)
        elif kind == "xlsx":
            summary_file = services.release_file(release, None)
            handle = files.xlsx_file(summary_file)
            handle.close()
        elif kind == "xlsx-floor":
            from portal.spreadsheets import write_xlsx

            write_xlsx(target, files.header(), _tuples(rows), sheet_title="bench", about=["a"])
        else:
            _writer(kind, target, files.header(), rows)
        seconds = time.perf_counter() - started
        size = target.seek(0, os.SEEK_END)
    if release is not None:
        from summaries.models import ReleaseCell

        rows = ReleaseCell.objects.filter(release=release).count()
    return {
        "kind": kind,
        "rows": rows,
        "seconds": seconds,
        "bytes": size,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_at_start_mb": start_rss / 1024,
    }


def _writer(kind: str, target, header: list[str], rows: int) -> None:
    """One XLSX writer alone, fed plain tuples (text typed as text, numbers as numbers)."""
    if kind == "openpyxl":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("bench")
        sheet.append(header)
        for row in _tuples(rows):
            sheet.append(row)
        workbook.save(target)
    elif kind == "xlsxwriter":
        import xlsxwriter

        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "bench.xlsx")
            options = {"constant_memory": True, "strings_to_formulas": False}
            book = xlsxwriter.Workbook(path, {**options, "strings_to_urls": False})
            sheet = book.add_worksheet("bench")
            sheet.write_row(0, 0, header)
            for number, row in enumerate(_tuples(rows), start=1):
                sheet.write_row(number, 0, row)
            book.close()
    elif kind in ("rustpy", "rustpy-dedupe"):
        import rustpy_xlsxwriter

        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "bench.xlsx")
            records = (dict(zip(header, row, strict=True)) for row in _tuples(rows))
            options = {"dedupe_strings": {"bench": True}} if kind == "rustpy-dedupe" else {}
            rustpy_xlsxwriter.write_worksheets([("bench", records)], path, **options)
    elif kind == "stream":
        from portal.xlsx import write_workbook

        write_workbook(target, [("bench", header, _tuples(rows))])


def _run(kind: str, rows: int = 0) -> dict:
    command = [sys.executable, str(HERE), "child", "--kind", kind, "--rows", str(rows)]
    result = subprocess.run(  # noqa: S603 - this script, with arguments it built
        command, capture_output=True, text=True, check=False
    )
    if result.returncode:
        sys.exit(f"{kind} failed:\n{result.stderr[-3000:]}")
    data: dict = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def _pairs(a: str, b: str, repeat: int, rows: int = 0) -> tuple[list[dict], list[dict]]:
    first, second = [], []
    for _ in range(repeat):
        first.append(_run(a, rows))
        second.append(_run(b, rows))
    return first, second


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def cmd_csv(args) -> None:
    portal, floor = _pairs("csv", "copy", args.repeat)
    rows = portal[0]["rows"]
    ratio = statistics.median(
        p["seconds"] / f["seconds"] for p, f in zip(portal, floor, strict=True)
    )
    print(f"{rows:,} release cells; {args.repeat} runs each, interleaved; medians")
    print(
        f"  floor  bare COPY of the rows   {_median(floor, 'seconds'):6.2f} s  "
        f"{rows / _median(floor, 'seconds'):>9,.0f} rows/s  peak RSS "
        f"{_median(floor, 'peak_rss_mb'):.0f} MB"
    )
    print(
        f"  portal CSV file              {_median(portal, 'seconds'):6.2f} s  "
        f"{rows / _median(portal, 'seconds'):>9,.0f} rows/s  peak RSS "
        f"{_median(portal, 'peak_rss_mb'):.0f} MB  ({_median(portal, 'bytes') / 1e6:.0f} MB)"
    )
    print(
        f"  portal / floor: {ratio:.2f}x (goal <= 2x); goal >= 100,000 rows/s and peak RSS < 150 MB"
    )


def cmd_xlsx(args) -> None:
    release_rows = _run("copy")["rows"]
    portal, floor = _pairs("xlsx", "xlsx-floor", args.repeat, release_rows)
    ratio = statistics.median(
        p["seconds"] / f["seconds"] for p, f in zip(portal, floor, strict=True)
    )
    print(f"{release_rows:,} release cells; {args.repeat} runs each, interleaved; medians")
    print(
        f"  floor  write_xlsx fed tuples  {_median(floor, 'seconds'):6.1f} s  peak RSS "
        f"{_median(floor, 'peak_rss_mb'):.0f} MB"
    )
    print(
        f"  portal XLSX file             {_median(portal, 'seconds'):6.1f} s  peak RSS "
        f"{_median(portal, 'peak_rss_mb'):.0f} MB"
    )
    print(f"  portal / floor: {ratio:.2f}x (goal <= 1.5x); goal < 60 s, peak RSS < 200 MB")


def cmd_xlsx_writers(args) -> None:
    results = {kind: _run(kind, args.rows) for kind in args.writers.split(",")}
    fastest = min(result["seconds"] for result in results.values())
    print(f"{args.rows:,} rows of {len(_first_row())} columns, each writer fed plain tuples")
    for kind, result in results.items():
        print(
            f"  {kind:10} {result['seconds']:7.1f} s  {args.rows / result['seconds']:>8,.0f} "
            f"rows/s  {result['seconds'] / fastest:5.1f}x the fastest  peak RSS "
            f"{result['peak_rss_mb']:.0f} MB"
        )


def _first_row() -> tuple:
    return next(_tuples(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("seed")
    p.add_argument("--rows", type=int, default=1_000_000)
    for name in ("csv", "xlsx"):
        p = sub.add_parser(name)
        p.add_argument("--repeat", type=int, default=3)
    p = sub.add_parser("xlsx-writers")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--writers", default=",".join(WRITERS))
    p = sub.add_parser("child")
    p.add_argument("--kind", required=True)
    p.add_argument("--rows", type=int, default=0)
    args = parser.parse_args()
    if args.command in ("seed", "child"):
        django_setup()
    if args.command == "child":
        from django.utils import translation

        with translation.override("vi"):
            print(json.dumps(_child(args.kind, args.rows)))
        return
    {"seed": cmd_seed, "csv": cmd_csv, "xlsx": cmd_xlsx, "xlsx-writers": cmd_xlsx_writers}[
        args.command
    ](args)


if __name__ == "__main__":
    main()
