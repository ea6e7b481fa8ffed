"""Spreadsheet import of 500 reports in one file (issue 16): the dry run and the import, each
beside a floor measured in the same run. Prints times and ratios; asserts nothing.

The dry run and the import commit as they do in production (a dry run's rolled-back rows inside
one long benchmark transaction would slow the import that follows). Afterwards the reports and
the imports are deleted; the audit log is append-only, so the benchmark's organisations and user
stay, inactive, with their audit rows: run it on a database of its own.

    export DATABASE_URL=postgres://.../napwps_bench      # a migrated database of its own
    python bench/imports.py [--reports 500] [--programme peace-house] [--repeat 3]

The file: the programme's template (peace-house is the widest: 110 columns) for N/4
organisations x the four quarters of 2026, every figure filled in so that each row passes the
submission rules; imported as submitted reports by an admin.

portal dry run   `services.report_import_check`: the file read through the guard and openpyxl,
                 every row through the report services, all rolled back.
portal import    `services.report_import_confirm` + `report_import_run`: read again, every row
                 through the services, committed (within the benchmark's own transaction).
floor            the least the same work can cost: openpyxl read-only iterating every cell of
                 the file, plus `bulk_create` of the same reports and figure rows.
"""

import argparse
import io
import statistics
import sys
import tempfile
import time

from _setup import django_setup

QUARTERS = ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
PREFIX = "Bench import "


def _fill(template: bytes, programme) -> bytes:
    """Every row of the template filled: each count 12, all of it in the first category of each
    breakdown; each ratio 3 of 4."""
    from openpyxl import load_workbook

    from reports import imports

    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    columns = imports.template_columns(imports.indicators_of(programme))
    first_category = {}
    for indicator in imports.indicators_of(programme):
        for dimension in indicator.disaggregations:
            first_category[(indicator.pk, dimension)] = indicator.categories_of(dimension)[0][0]
    for row in range(imports.FIRST_DATA_ROW, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value is None:
            continue
        for index, column in enumerate(columns, start=1):
            if column.kind != "figure":
                continue
            whole = {"total": 12, "num": 3, "den": 4}[column.part]
            if column.dimension:
                first = first_category[(column.indicator_id, column.dimension)]
                value = whole if column.category == first else 0
            else:
                value = whole
            sheet.cell(row=row, column=index, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--programme", default="peace-house")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    django_setup()

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.utils import translation

    from indicators.models import Programme
    from portal.models import Membership, Organisation, Province, User
    from reports import imports, services
    from reports.figures import figures_from_inputs
    from reports.models import ActivityReport, Figure, ReportImport, ReportingPeriod

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-imports-")
    # The services queue the dry run and the import as Celery tasks; here they are called
    # directly, timed one by one, whatever the broker settings. (This also leaves out what the
    # import queues after it commits: one e-mail task per submitted report.)
    services.enqueue_on_commit = lambda *args: None
    translation.activate("vi")
    programme = Programme.objects.get(code=args.programme)
    periods = [ReportingPeriod.objects.by_code(code) for code in QUARTERS]
    count = args.reports // len(periods)
    samples: dict[str, list[float]] = {"dry run": [], "import": [], "floor": [], "write": []}

    stamp = int(time.time())
    for run in range(args.repeat):
        with transaction.atomic():
            province = Province.objects.order_by("code").first()
            organisations = Organisation.objects.bulk_create(
                Organisation(
                    name=f"{PREFIX}{stamp}-{run}-{number:04d}",
                    kind=Organisation.Kind.VWU_COMMUNE,
                    province=province,
                )
                for number in range(count)
            )
            admin = User.objects.create_user(f"bench-import-{stamp}-{run}@example.org", "x" * 20)
            central = Organisation.objects.create(
                name=f"{PREFIX}{stamp}-{run}-central", kind=Organisation.Kind.VWU_CENTRAL
            )
            Membership.objects.create(user=admin, organisation=central, role=Membership.Role.ADMIN)

        started = time.perf_counter()
        buffer = io.BytesIO()
        imports.write_template(
            buffer, programme=programme, organisations=organisations, periods=periods
        )
        samples["write"].append(time.perf_counter() - started)
        data = _fill(buffer.getvalue(), programme)

        # Floor: a plain read of every cell, then bulk inserts of the same reports and figure
        # rows (the inputs come from the portal's reader, not timed), rolled back.
        read = _plain_read(data)
        sheet = imports.read_workbook(data)
        by_id = {o.pk: o for o in organisations}
        indicators = imports.indicators_of(programme)
        started = time.perf_counter()
        with transaction.atomic():
            reports = ActivityReport.objects.bulk_create(
                ActivityReport(
                    organisation=by_id[row.organisation_id],
                    programme=programme,
                    period=row.period,
                    province=province,
                    title=row.texts["title"],
                    created_by=admin,
                )
                for row in sheet.rows
            )
            Figure.objects.bulk_create(
                figure
                for report, row in zip(reports, sheet.rows, strict=True)
                for figure in figures_from_inputs(report, indicators, row.figures)
            )
            transaction.set_rollback(True)
        floor = read + (time.perf_counter() - started)
        samples["floor"].append(floor)

        job = services.report_import_upload(
            actor=admin, upload=SimpleUploadedFile("bench.xlsx", data), submit=True
        )
        started = time.perf_counter()
        job = services.report_import_check(import_id=job.pk)
        samples["dry run"].append(time.perf_counter() - started)
        if job.errors or job.created_count != len(sheet.rows):
            sys.exit(f"the dry run found errors: {job.errors[:3]}")

        started = time.perf_counter()
        services.report_import_confirm(actor=admin, import_id=job.pk)
        job = services.report_import_run(import_id=job.pk)
        samples["import"].append(time.perf_counter() - started)
        if job.status != ReportImport.Status.DONE:
            sys.exit(f"the import failed: {job.errors[:3]}")
        imported = ActivityReport.objects.filter(organisation__in=organisations)
        print(
            f"run {run + 1}: {imported.count()} reports; write "
            f"{samples['write'][-1]:.1f} s, dry run {samples['dry run'][-1]:.1f} s, "
            f"import {samples['import'][-1]:.1f} s, floor {floor:.2f} s",
            flush=True,
        )
        with transaction.atomic():
            ReportImport.objects.filter(uploaded_by=admin).delete()
            imported.delete()
            Organisation.objects.filter(pk__in=[o.pk for o in organisations]).update(
                is_active=False
            )

    def median(name: str) -> float:
        return statistics.median(samples[name])

    floor = median("floor")
    print(f"\n{args.reports} reports of {programme.code}, median of {args.repeat} runs:")
    print(f"  template written       {median('write'):6.1f} s")
    for name in ("dry run", "import"):
        print(f"  {name:<22} {median(name):6.1f} s   {median(name) / floor:5.1f}x floor")
    print(f"  floor                  {floor:6.2f} s   (plain read of every cell + bulk inserts)")
    print(f"  goal: import under 30 s -> {'met' if median('import') < 30 else 'NOT met'}")


def _plain_read(data: bytes) -> float:
    from openpyxl import load_workbook

    started = time.perf_counter()
    book = load_workbook(io.BytesIO(data), read_only=True)
    for _row in book.worksheets[0].iter_rows(values_only=True):
        pass
    book.close()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
