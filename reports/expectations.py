"""Which reports are expected, and which of them have been filed: the one rule that reporting
completeness (`summaries.completeness`), deadline reminders (`reports.reminders`) and the overdue
list read.

Expected = every active organisation times every active programme it runs whose frequency
matches the period's kind. Filed = a report of that organisation, programme and period that has
been submitted at least once and is not a draft now (a report withdrawn to draft is not filed)."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from indicators.models import Programme
from portal.models import Organisation
from reports.models import ActivityReport, ReportEvent, ReportingPeriod

ProgrammeLink = Organisation.programmes.through


def expected_for(*, period: ReportingPeriod) -> QuerySet:
    """The (organisation, programme) links expected to file a report for the period, as rows of
    the organisation-programme table (`organisation_id`, `programme_id`)."""
    return ProgrammeLink.objects.filter(
        organisation__is_active=True,
        programme__is_active=True,
        programme__frequency=Programme.frequency_of(period.kind),
    )


def counts_as_filed(*, status: str, first_submitted_at: datetime.datetime | None) -> bool:
    """The rule of `filed_reports`, for a report already read with its first submission."""
    return first_submitted_at is not None and status != ActivityReport.Status.DRAFT


def filed_reports(*, period: ReportingPeriod) -> QuerySet[ActivityReport]:
    """Reports of the period that count as filed (the same rule as `counts_as_filed`)."""
    submitted = ReportEvent.objects.filter(report=OuterRef("pk"), kind=ReportEvent.Kind.SUBMITTED)
    return ActivityReport.objects.filter(period=period).filter(
        ~Q(status=ActivityReport.Status.DRAFT), Exists(submitted)
    )


def outstanding_for(*, period: ReportingPeriod) -> QuerySet:
    """Expected links of the period with no filed report, annotated `has_draft` (a draft or a
    withdrawn report exists). A query set: callers scope, order and paginate it."""
    same = {
        "organisation_id": OuterRef("organisation_id"),
        "programme_id": OuterRef("programme_id"),
    }
    return (
        expected_for(period=period)
        .exclude(Exists(filed_reports(period=period).filter(**same)))
        .annotate(has_draft=Exists(ActivityReport.objects.filter(period=period, **same)))
    )
