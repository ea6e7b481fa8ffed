from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.models import Province
from reports.models import ReportingPeriod
from summaries import aggregation, services
from summaries.models import AggregationRun


def parse_period(code: str) -> ReportingPeriod:
    """'2026-Q3' or '2026-09' to the reporting period it names."""
    try:
        return ReportingPeriod.objects.by_code(code)
    except (ValueError, ReportingPeriod.DoesNotExist):
        raise CommandError(f"No reporting period {code!r}: use 2026-Q3 or 2026-09.") from None


def parse_province(code: str) -> Province:
    try:
        return Province.objects.get(code=code)
    except Province.DoesNotExist:
        raise CommandError(f"No province with code {code!r}.") from None


class Command(BaseCommand):
    help = (
        "Aggregate approved reports into provincial summaries, synchronously "
        "(the same code the Celery tasks run)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="Only this period, e.g. 2026-Q3 or 2026-09.")
        parser.add_argument("--province", help="Only this province (statistics office code).")
        parser.add_argument("--full", action="store_true", help="Rebuild every summary row.")

    def handle(self, *args: Any, **options: Any) -> None:
        run: AggregationRun | None
        if options["full"]:
            if options["period"] or options["province"]:
                raise CommandError("--full rebuilds everything: leave out --period and --province.")
            run = services.aggregation_full()
            self.stdout.write(f"Full rebuild: {run.rows} summary rows.")
            return
        periods = [parse_period(options["period"])] if options["period"] else None
        provinces = [parse_province(options["province"])] if options["province"] else None
        if periods is None and provinces is None:
            run = services.aggregation_reconcile()
            self.stdout.write(f"Stale province-periods recomputed: {run.cells if run else 0}.")
            return
        cells = aggregation.cells_with_data(
            period_ids=[p.pk for p in periods] if periods else None,
            province_ids=[p.pk for p in provinces] if provinces else None,
        )
        rows = 0
        for province_id, period_id in cells:
            rows += services.aggregation_recompute(
                province_id=province_id, period_id=period_id
            ).rows
        self.stdout.write(f"Recomputed {len(cells)} province-periods: {rows} summary rows.")
