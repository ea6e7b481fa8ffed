"""The demo's working figures and releases: what a newcomer should find after `make run`.

Demo reports are bulk-inserted (they describe a past), so their approvals never queued a
recompute: the summaries are rebuilt once, then every quarter whose deadline has passed is locked
and published, as the national team would have done. Never run against real data.
"""

import datetime

from portal.demo import demo_email
from portal.models import User
from reports.models import ReportingPeriod
from reports.periods import period_dates
from summaries import services
from summaries.cube import window
from summaries.models import ProvincialSummary, Release


def seed_releases(*, today: datetime.date) -> list[Release]:
    """Rebuild the summaries, lock the periods past their deadline and publish each year through
    its last such quarter (a year already published, or with nothing approved, is left as it is)."""
    services.aggregation_full()
    admin = User.objects.get(email=demo_email("admin"))
    closed = ReportingPeriod.objects.filter(deadline_date__lt=today, kind="quarter")
    published = []
    for year in sorted(set(closed.values_list("year", flat=True))):
        quarter = max(closed.filter(year=year).values_list("number", flat=True))
        if Release.objects.filter(year=year).exists():
            continue
        if not ProvincialSummary.objects.filter(period__in=window(year, quarter)).exists():
            continue  # a small demo may have approved nothing in these periods
        ReportingPeriod.objects.filter(year=year, end_date__lte=_quarter_end(year, quarter)).update(
            is_locked=True, locked_by=admin
        )
        published.append(services.release_publish(actor=admin, year=year, quarter=quarter))
    return published


def _quarter_end(year: int, quarter: int) -> datetime.date:
    return period_dates("quarter", year, quarter)[1]
