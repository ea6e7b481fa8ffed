"""Reporting completeness, as DHIS2 computes it: of the reports expected for a period, how many
came in, and how many came in by the deadline. What is expected and what counts as filed is
`reports.expectations`' rule, shared with the deadline reminders."""

import datetime
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from indicators.models import Programme
from portal.models import Province, User
from reports.expectations import counts_as_filed, expected_for
from reports.models import ActivityReport, ReportEvent, ReportingPeriod
from summaries.scope import province_ids_in_scope


@dataclass(frozen=True)
class Named:
    """An organisation as the list shows it: read as two columns, not a model instance each."""

    pk: int
    name: str


@dataclass
class Expected:
    organisation: Named
    programme: Programme
    status: str = "missing"  # missing, draft, on_time, late


@dataclass
class ProvinceCompleteness:
    province_code: str
    province_name: str
    expected: int = 0
    reported: int = 0
    on_time: int = 0
    items: list[Expected] = field(default_factory=list)

    @property
    def reporting_rate(self) -> float | None:
        return round(100 * self.reported / self.expected, 1) if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.expected, 1) if self.expected else None


def completeness_for(*, user: User, period: ReportingPeriod) -> list[ProvinceCompleteness]:
    links = expected_for(period=period)
    scope = province_ids_in_scope(user=user)
    if scope is not None:
        links = links.filter(organisation__province_id__in=scope)
    # A report's first submission, looked up by its own events (an index scan per report of the
    # period), not by joining every event of every report.
    first_submission = ReportEvent.objects.filter(
        report=OuterRef("pk"), kind=ReportEvent.Kind.SUBMITTED
    ).order_by("created_at")
    reports = {
        (r["organisation_id"], r["programme_id"]): r
        for r in ActivityReport.objects.filter(
            period=period, organisation_id__in=links.values("organisation_id")
        )
        .annotate(first_submitted_at=Subquery(first_submission.values("created_at")[:1]))
        .values("organisation_id", "programme_id", "status", "first_submitted_at")
    }
    programmes = Programme.objects.in_bulk(set(links.values_list("programme_id", flat=True)))
    ordered = links.order_by(
        "organisation__province__code", "organisation__name", "programme__code"
    ).values_list(
        "organisation_id",
        "organisation__name",
        "programme_id",
        "organisation__province_id",
    )
    places = Province.objects.in_bulk(
        set(
            links.filter(organisation__province__isnull=False).values_list(
                "organisation__province_id", flat=True
            )
        )
    )
    # On time: submitted on or before the deadline's day, in the portal's time zone.
    cutoff = timezone.make_aware(
        datetime.datetime.combine(
            period.deadline_date + datetime.timedelta(days=1), datetime.time()
        )
    )
    provinces: dict[str, ProvinceCompleteness] = {}
    for organisation_id, name, programme_id, province_id in ordered:
        province = places.get(province_id) if province_id else None
        code = province.code if province else ""
        entry = provinces.get(code)
        if entry is None:
            entry = provinces[code] = ProvinceCompleteness(
                code, province.short_name if province else ""
            )
        item = Expected(Named(organisation_id, name), programmes[programme_id])
        report = reports.get((organisation_id, programme_id))
        entry.expected += 1
        if report is not None:
            submitted = report["first_submitted_at"]
            if not counts_as_filed(status=report["status"], first_submitted_at=submitted):
                item.status = "draft"
            else:
                entry.reported += 1
                if submitted < cutoff:
                    entry.on_time += 1
                    item.status = "on_time"
                else:
                    item.status = "late"
        entry.items.append(item)
    return sorted(provinces.values(), key=lambda p: (p.province_code == "", p.province_code))
