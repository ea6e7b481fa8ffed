import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from summaries.models import Release
from summaries.releases import audit_versions, published_versions


class Command(BaseCommand):
    help = (
        "Audit everything published as an attacker would: for every hidden cell of every "
        "release and revision of a year, the interval a linear programme can pin it to. "
        "Fails when a hidden cell can be worked out, or a small count narrowed to fewer than "
        "three whole numbers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="Only this year's releases.")
        parser.add_argument(
            "--release", type=int, help="The year of this release (id), audited with its year."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        releases = Release.objects.all()
        if options["release"]:
            release = releases.filter(pk=options["release"]).first()
            if release is None:
                raise CommandError(f"No release {options['release']}.")
            releases = releases.filter(year=release.year)
        if options["year"]:
            releases = releases.filter(year=options["year"])
        years = sorted(set(releases.values_list("year", flat=True)))
        if not years:
            self.stdout.write("Nothing is published: nothing to audit.")
            return
        failures = 0
        for year in years:
            started = time.perf_counter()
            of_year = releases.filter(year=year).order_by("published_at", "pk")
            versions = published_versions(of_year.prefetch_related("cells_set"))
            findings = audit_versions(versions, k=min(r.min_cell for r in of_year))
            hidden = sum(len(v.hidden or ()) for v in versions)
            seconds = time.perf_counter() - started
            self.stdout.write(
                f"{year}: {len(versions)} releases, {hidden} hidden parts audited "
                f"in {seconds:.1f} s: {len(findings)} weak."
            )
            for finding in findings[:20]:
                self.stdout.write(
                    f"  {finding.reason}: {finding.key} in [{finding.low:g}, {finding.high:g}]"
                )
            failures += len(findings)
        if failures:
            raise CommandError(f"The audit failed: {failures} hidden cells are too exposed.")
        self.stdout.write(self.style.SUCCESS("The audit passed: no hidden cell can be worked out."))
