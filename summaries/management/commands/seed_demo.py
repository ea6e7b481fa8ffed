import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from indicators.demo import seed_programmes_run
from portal.demo import DEMO_PASSWORD, seed_people
from reports.demo import seed_reports
from summaries import versions
from summaries.demo import seed_releases


class Command(BaseCommand):
    help = (
        "Load demo organisations, users and activity reports for trying the portal. "
        "Idempotent; the same --seed gives the same rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reports", type=int, default=200, help="How many demo reports (default 200)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=datetime.date(2026, 11, 1),
            help="The date the demo pretends it is, for which periods have started (YYYY-MM-DD).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production.")
        if options["reports"] < 0:
            raise CommandError("--reports cannot be negative.")
        # The demo pretends a day in the past, never one after the real today.
        today = min(options["today"], timezone.localdate())
        logins = seed_people()
        seed_programmes_run()
        created = seed_reports(options["reports"], seed=options["seed"], today=today)
        # The demo writes organisations, their programmes and periods with bulk statements,
        # which send no signal: the working figures' version changes here.
        versions.bump()
        self.stdout.write(f"Demo reports: {created} new.")
        for release in seed_releases(today=today):
            hidden = f"{release.hidden_cells} of {release.cells} cells hidden"
            self.stdout.write(f"Published {release.label}: {hidden}.")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        for login in logins:
            self.stdout.write(f"  {login.role:<9} {login.email:<36} {login.organisation}")
