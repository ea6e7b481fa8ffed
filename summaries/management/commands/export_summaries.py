from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from portal.spreadsheets import csv_stream, write_xlsx
from summaries.files import export_rows, header
from summaries.management.commands.aggregate import parse_period, parse_province
from summaries.scope import SummaryFilters


class Command(BaseCommand):
    help = "Write the (suppressed) provincial summaries of a period to a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="e.g. 2026-Q3 or 2026-09.")
        parser.add_argument("--province", help="Only this province (statistics office code).")
        parser.add_argument("--format", choices=["csv", "xlsx"], required=True, dest="file_format")
        parser.add_argument("--output", required=True, help="Path of the file to write.")
        parser.add_argument(
            "--language", choices=["vi", "en"], default="vi", help="Header language."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        period = parse_period(options["period"])
        province = parse_province(options["province"]) if options["province"] else None
        output = Path(options["output"])
        if not output.parent.exists():
            raise CommandError(f"The folder {output.parent} does not exist.")
        rows = export_rows(user=None, filters=SummaryFilters(province=province), period=period)
        with translation.override(options["language"]):
            if options["file_format"] == "csv":
                with output.open("w", encoding="utf-8", newline="") as handle:
                    handle.writelines(csv_stream(header(), rows))
                self.stdout.write(f"Wrote {output}.")
            else:
                with output.open("wb") as handle:
                    written = write_xlsx(handle, header(), rows, sheet_title=period.code)
                self.stdout.write(f"Wrote {written} rows to {output}.")
