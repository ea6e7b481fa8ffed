"""Reporting completeness, as DHIS2 computes it: of the reports expected for a period, how many
came in, and how many came in by the deadline. Expected = every active organisation times every
programme it runs whose frequency matches the period."""

from dataclasses import dataclass, field

from django.db.models import Min, Q
from django.utils import timezone

from indicators.models import Programme
from portal.models import Organisation, User
from reports.models import ActivityReport, ReportEvent, ReportingPeriod
from summaries.scope import province_ids_in_scope


@dataclass
class Expected:
    organisation: Organisation
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
    frequency = Programme.frequency_of(period.kind)
    links = Organisation.programmes.through.objects.filter(
        organisation__is_active=True, programme__is_active=True, programme__frequency=frequency
    ).select_related("organisation__province", "programme")
    scope = province_ids_in_scope(user=user)
    if scope is not None:
        links = links.filter(organisation__province_id__in=scope)
    reports = {
        (r["organisation_id"], r["programme_id"]): r
        for r in ActivityReport.objects.filter(
            period=period, organisation_id__in=links.values("organisation_id")
        )
        .values("organisation_id", "programme_id", "status")
        .annotate(
            first_submitted_at=Min(
                "events__created_at", filter=Q(events__kind=ReportEvent.Kind.SUBMITTED)
            )
        )
        .order_by()
    }
    provinces: dict[str, ProvinceCompleteness] = {}
    ordered = links.order_by(
        "organisation__province__code", "organisation__name", "programme__code"
    )
    for link in ordered:
        organisation = link.organisation
        province = organisation.province
        code = province.code if province else ""
        entry = provinces.setdefault(
            code,
            ProvinceCompleteness(code, province.short_name if province else ""),
        )
        item = Expected(organisation, link.programme)
        report = reports.get((organisation.pk, link.programme_id))
        entry.expected += 1
        if report is not None:
            submitted = report["first_submitted_at"]
            if submitted is None or report["status"] == ActivityReport.Status.DRAFT:
                item.status = "draft"
            else:
                entry.reported += 1
                if timezone.localdate(submitted) <= period.deadline_date:
                    entry.on_time += 1
                    item.status = "on_time"
                else:
                    item.status = "late"
        entry.items.append(item)
    return sorted(provinces.values(), key=lambda p: (p.province_code == "", p.province_code))
