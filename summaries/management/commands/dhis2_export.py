import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from summaries import dhis2
from summaries.models import Release


class Command(BaseCommand):
    help = (
        "Write a release's published cells as DHIS2 data values: a dataValueSets JSON file or "
        "an ADX file (checked against the ADX schema). Hidden cells are never written; cells "
        "with no DHIS2 mapping are listed on stderr and left out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--release", type=int, required=True, help="The release's id.")
        parser.add_argument("--format", choices=["json", "adx"], required=True, dest="file_format")
        parser.add_argument("--output", required=True, help="Path of the file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        release = Release.objects.filter(pk=options["release"]).first()
        if release is None:
            raise CommandError(f"There is no release {options['release']}.")
        output = Path(options["output"])
        if not output.parent.exists():
            raise CommandError(f"The folder {output.parent} does not exist.")
        export = dhis2.build_export(release)
        for kind, codes in export.unmapped.as_dict().items():
            if codes:
                self.stderr.write(f"unmapped {kind}: {', '.join(codes)}")
        if not export.values:
            raise CommandError("Nothing to export: map the release to DHIS2 first.")
        if options["file_format"] == "json":
            content = json.dumps(dhis2.data_value_set(export), ensure_ascii=False).encode()
        else:
            content = dhis2.adx_document(export)
            errors = dhis2.adx_errors(content)
            if errors:
                raise CommandError(f"The ADX file failed its schema: {errors[0]}")
        output.write_bytes(content)
        self.stdout.write(
            f"{release.label}: {len(export.values)} values written to {output} "
            f"({export.suppressed} hidden, {export.skipped} unmapped left out)"
        )
