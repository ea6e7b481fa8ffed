import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from summaries import services
from summaries.nap_report import NapReportError


class Command(BaseCommand):
    help = (
        "Write the annual NAP progress report of a year (DOCX or PDF, Vietnamese or English) "
        "from the year's newest release."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="The year, e.g. 2026.")
        parser.add_argument("--language", choices=["vi", "en"], default="vi")
        parser.add_argument("--format", choices=["docx", "pdf"], required=True, dest="file_format")
        parser.add_argument("--output", required=True, help="Path of the file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if not output.parent.exists():
            raise CommandError(f"The folder {output.parent} does not exist.")
        started = time.perf_counter()
        partial = output.with_name(output.name + ".part")
        try:
            with partial.open("wb") as handle:
                release = services.nap_report_write(
                    year=options["year"],
                    language=options["language"],
                    file_format=options["file_format"],
                    output=handle,
                )
        except NapReportError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(str(error)) from error
        partial.replace(output)
        seconds = time.perf_counter() - started
        with translation.override(options["language"]):
            self.stdout.write(
                f"Wrote {output} ({options['file_format']}, {options['language']}) from "
                f"{release.label} in {seconds:.1f} s."
            )
