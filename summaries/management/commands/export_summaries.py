from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from portal.spreadsheets import csv_stream, write_xlsx
from summaries import files, releases, spending
from summaries.cube import cube_from_summaries
from summaries.disclosure import min_cell
from summaries.management.commands.aggregate import parse_province
from summaries.models import Release


class Command(BaseCommand):
    help = (
        "Write a release (as published: hidden cells stay hidden) to a CSV or XLSX file; "
        "with --working, the confidential working figures of a year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period",
            required=True,
            help="A year (its latest release, e.g. 2026) or a year through a quarter "
            "(that release's latest revision, e.g. 2026-Q3).",
        )
        parser.add_argument("--province", help="Only this province (statistics office code).")
        parser.add_argument("--format", choices=["csv", "xlsx"], required=True, dest="file_format")
        parser.add_argument("--output", required=True, help="Path of the file to write.")
        parser.add_argument(
            "--language", choices=["vi", "en"], default="vi", help="Header language."
        )
        parser.add_argument(
            "--part",
            choices=["figures", "spending"],
            default="figures",
            help="A CSV holds one table: the figures (default) or the spending. An XLSX of the "
            "figures has the spending as a second sheet.",
        )
        parser.add_argument(
            "--working",
            action="store_true",
            help="Unsuppressed working figures, marked confidential: never to be published.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year_text, _sep, quarter_text = options["period"].upper().partition("-Q")
        if not year_text.isdigit() or (quarter_text and quarter_text not in "1234"):
            raise CommandError("--period is a year (2026) or a year through a quarter (2026-Q3).")
        year, quarter = int(year_text), int(quarter_text) if quarter_text else None
        province = parse_province(options["province"]) if options["province"] else None
        provinces = {province.pk} if province else None
        output = Path(options["output"])
        if not output.parent.exists():
            raise CommandError(f"The folder {output.parent} does not exist.")
        with translation.override(options["language"]):
            if options["working"]:
                cube = cube_from_summaries(year, quarter or 4)
                label = f"working-{year}"
                rows = files.cube_rows(cube, set(), min_cell(), label=label, provinces=provinces)
                about = files.working_about()
                spent = spending.working_spending(year, quarter or 4)
            else:
                found = Release.objects.filter(year=year)
                if quarter:
                    found = found.filter(quarter=quarter)
                release = found.newest()
                if release is None:
                    raise CommandError(f"No release of {options['period']} has been published.")
                version = releases.published_version(release)
                label = release.label
                rows = files.cube_rows(
                    version.cube,
                    version.hidden or set(),
                    release.min_cell,
                    label=label,
                    provinces=provinces,
                )
                about = files.release_about(release)
                spent = spending.released_spending(release)
            summary_file = files.SummaryFile(
                rows=rows,
                about=about,
                name="",
                sheet_title=label,
                spending=spending.file_rows(spent, label=label, provinces=provinces),
            )
            if options["part"] == "spending":
                summary_file = summary_file.spending_only()
            if options["file_format"] == "csv":
                with output.open("w", encoding="utf-8", newline="") as handle:
                    handle.writelines(
                        csv_stream(summary_file.header(), summary_file.rows, preamble=about)
                    )
                self.stdout.write(f"Wrote {output}.")
            else:
                with output.open("wb") as handle:
                    written = write_xlsx(
                        handle,
                        summary_file.header(),
                        summary_file.rows,
                        sheet_title=label,
                        about=about,
                        sheets=summary_file.sheets(),
                    )
                self.stdout.write(f"Wrote {written} rows to {output}.")
