"""What each summaries page shows, scoped to who is asking. A view asks one of these."""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.permissions import ensure_admin
from reports.models import ReportingPeriod, StaleSummary
from summaries.completeness import ProvinceCompleteness, completeness_for
from summaries.models import AggregationRun, SummaryDownload
from summaries.scope import SummaryFilters, can_download, province_ids_in_scope
from summaries.suppression import min_cell
from summaries.tables import Progress, indicator_tables, series_over_time, target_progress

TABLES_PER_PAGE = 6  # indicator tables are wide: a few per page keeps the page readable


@dataclass
class SummaryPage:
    page_obj: Page
    progress: list[Progress]
    charts: dict[str, Any]
    published: bool
    min_cell: int
    can_download: bool
    scope_is_national: bool

    @property
    def tables(self) -> list:
        return list(self.page_obj.object_list)


def summary_page_for(*, user: User, filters: SummaryFilters, page: str | None) -> SummaryPage:
    """The summaries page: indicator tables (paginated), charts of one indicator, targets.

    Readers who are not admins see published (suppressed) figures; admins see working figures.
    """
    published = not user.is_portal_admin
    tables = indicator_tables(user=user, filters=filters, published=published)
    page_obj = Paginator(tables, TABLES_PER_PAGE).get_page(page)
    chart_indicator = filters.indicator or (tables[0].indicator if tables else None)
    charts: dict[str, Any] = {}
    if chart_indicator is not None:
        chart_table = next((t for t in tables if t.indicator == chart_indicator), None)
        charts = {
            "indicator": f"{chart_indicator.code} · {chart_indicator.name}",
            "unit": "%" if chart_indicator.is_ratio else chart_indicator.unit_label,
            "over_time": series_over_time(
                user=user, filters=filters, indicator=chart_indicator, published=published
            ),
            "by_province": chart_table.chart_by_province if chart_table else [],
            "labels": {"over_time": _("Over time"), "by_province": _("By province")},
        }
    return SummaryPage(
        page_obj=page_obj,
        progress=target_progress(user=user, filters=filters, published=published),
        charts=charts,
        published=published,
        min_cell=min_cell(),
        can_download=can_download(user),
        scope_is_national=province_ids_in_scope(user=user) is None,
    )


@dataclass
class CompletenessPage:
    period: ReportingPeriod | None
    provinces: list[ProvinceCompleteness]
    totals: dict[str, int]
    detail: ProvinceCompleteness | None
    detail_page: Page | None

    @property
    def detail_code(self) -> str:
        return self.detail.province_code if self.detail else ""


def default_completeness_period(periods: QuerySet[ReportingPeriod]) -> ReportingPeriod | None:
    """The latest quarter whose deadline has passed: the one worth checking first."""
    return periods.filter(deadline_date__lt=timezone.localdate(), kind="quarter").first()


def completeness_page_for(
    *, user: User, period: ReportingPeriod | None, province_code: str | None, page: str | None
) -> CompletenessPage:
    """Reporting completeness of a period by province, and one province's list if chosen."""
    provinces = completeness_for(user=user, period=period) if period else []
    totals = {
        "expected": sum(p.expected for p in provinces),
        "reported": sum(p.reported for p in provinces),
        "on_time": sum(p.on_time for p in provinces),
    }
    detail = next((p for p in provinces if p.province_code == province_code), None)
    detail_page = Paginator(detail.items, 50).get_page(page) if detail else None
    return CompletenessPage(period, provinces, totals, detail, detail_page)


def aggregation_runs_for(*, user: User) -> QuerySet[AggregationRun]:
    """Aggregation runs, newest first, for admins only."""
    ensure_admin(user)
    return AggregationRun.objects.select_related("province", "period", "requested_by").order_by(
        "-created_at", "-pk"
    )


def aggregation_status_for(*, user: User) -> dict[str, Any]:
    """Stale cells waiting and the latest downloads, beside the runs (admins only)."""
    ensure_admin(user)
    return {
        "stale_count": StaleSummary.objects.count(),
        "downloads": SummaryDownload.objects.select_related("user").order_by("-created_at")[:20],
    }
