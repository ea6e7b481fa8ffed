from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database (DATABASE_URL) "
        "and MEDIA_ROOT, then check every table's row count against the backup's manifest. "
        "Both must be empty unless --replace is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="The backup directory (napwps-backup-...).")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Drop what the database holds and write over MEDIA_ROOT's files.",
        )
        parser.add_argument(
            "--no-media", action="store_true", help="Restore the database only, not the files."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restored = backups.restore(
                Path(options["directory"]),
                replace=options["replace"],
                media=not options["no_media"],
            )
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {restored.directory}: {restored.tables} tables, {restored.rows} rows "
            f"(as the manifest counted them), {restored.media_files} uploaded files. "
            "Run `manage.py migrate` if this code is newer than the backup."
        )
