from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal import backups


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format; or a copy of the SQLite file) and the "
        "uploaded files (MEDIA_ROOT as a tar), with a manifest of row counts and checksums, "
        "into a new directory under --output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="Directory to write the backup in.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            directory = backups.backup(Path(options["output"]))
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        manifest = backups.read_manifest(directory)
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"Backup written to {directory}: {len(manifest['row_counts'])} tables, {rows} rows, "
            f"{manifest['media_files']} uploaded files."
        )
        self.stdout.write(str(directory))
