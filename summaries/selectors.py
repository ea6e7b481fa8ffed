"""What each summaries page shows, scoped to who is asking. A view asks one of these."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import Indicator
from portal.models import User
from portal.permissions import ensure_admin
from reports.disaggregation import TOTAL
from reports.models import ActivityReport, ReportingPeriod, StaleSummary
from summaries import dhis2
from summaries.completeness import ProvinceCompleteness, completeness_for
from summaries.cube import NATIONAL, cube_for_organisations, working_cube
from summaries.disclosure import min_cell
from summaries.forms import SummaryFilterForm
from summaries.models import (
    AggregationRun,
    Dhis2Push,
    NapReportBuild,
    NapReportHighlight,
    ProvincialSummary,
    Release,
    ReleaseFileBuild,
    SummaryDownload,
)
from summaries.releases import read_version
from summaries.scope import (
    PUBLISHED,
    WORKING,
    SummaryFilters,
    can_download,
    may_see_working,
    province_ids_in_scope,
    working_organisation_ids,
    working_province_ids,
)
from summaries.spending import (
    SpendingTables,
    released_spending,
    spending_tables,
    working_spending,
    working_spending_of_all,
)
from summaries.tables import (
    Figures,
    IndicatorTable,
    Progress,
    indicator_tables,
    series_over_time,
    target_progress,
)

NAP_FIRST_YEAR = 2024  # the plan's first year: cumulative targets count from here
TABLES_PER_PAGE = 6  # indicator tables are wide: a few per page keeps the page readable


@dataclass
class SummaryPage:
    page_obj: Page
    progress: list[Progress]
    charts: dict[str, Any]
    view: str
    release: Release | None
    min_cell: int
    can_download: bool
    shows_national: bool
    period_label: str
    spending: SpendingTables | None = None
    subtree_only: bool = False

    @property
    def working(self) -> bool:
        return self.view == WORKING

    @property
    def tables(self) -> list[IndicatorTable]:
        return list(self.page_obj.object_list)


def summary_form_for(*, user: User, data: QueryDict | None) -> SummaryFilterForm:
    """The filters of the summaries page, with the views and years open to this reader."""
    working = may_see_working(user)
    view = (data.get("view") if data is not None else None) or (WORKING if working else PUBLISHED)
    years: Iterable[int]
    if view == WORKING and working:
        years = ReportingPeriod.objects.started().values_list("year", flat=True).distinct()
    else:
        years = Release.objects.values_list("year", flat=True).distinct()
    return SummaryFilterForm(
        data, province_ids=province_ids_in_scope(user=user), years=years, working=working
    )


def latest_release(year: int | None) -> Release | None:
    """The newest release of a year (its last quarter, last revision): what readers see."""
    if year is None:
        return None
    return Release.objects.filter(year=year).newest()


def _indicator_ids(filters: SummaryFilters) -> set[int] | None:
    if not (filters.pillar or filters.programme_id or filters.indicator):
        return None
    indicators = Indicator.objects.filter(is_active=True)
    if filters.pillar:
        indicators = indicators.filter(pillar=filters.pillar)
    if filters.programme_id:
        indicators = indicators.filter(programmes=filters.programme_id)
    if filters.indicator:
        indicators = indicators.filter(pk=filters.indicator.pk)
    return set(indicators.values_list("pk", flat=True))


def figures_for(*, user: User, filters: SummaryFilters) -> tuple[Figures | None, Release | None]:
    """Working figures (a cube of approved reports) for those who may read every report behind
    them; otherwise the latest release of the year, with the cells it hid."""
    if filters.year is None:
        return None, None
    k = min_cell()
    if filters.view == WORKING and may_see_working(user):
        subtree = working_organisation_ids(user=user)
        if subtree is not None:
            cube = cube_for_organisations(filters.year, 4, subtree)
        else:
            cube = working_cube(filters.year, 4)
        hidden: set = set()
        release = None
    else:
        release = latest_release(filters.year)
        if release is None:
            return None, None
        version = read_version(release)
        cube, hidden = version.cube, version.hidden or set()
        k = release.min_cell
    period = f"{filters.year}-Q{filters.quarter}" if filters.quarter else str(filters.year)
    figures = Figures(cube.cells, hidden, k, period, filters.year, cube.indicators)
    return figures, release


def summary_page_for(*, user: User, filters: SummaryFilters, page: str | None) -> SummaryPage:
    """The summaries page: indicator tables (paginated), charts of one indicator, targets.

    Working figures show only provinces whose every report the reader may read (or, for staff
    of a parent organisation, only their subtree's reports), and the nation only to admins;
    published figures show the provinces in the reader's scope and the nation,
    as the release published them. Nothing here sums cells into a figure of its own.
    """
    figures, release = figures_for(user=user, filters=filters)
    working = filters.view == WORKING and may_see_working(user)
    if working:
        # A subtree's cube holds only the subtree's reports: every province in it is shown.
        subtree = working_organisation_ids(user=user) is not None
        provinces = None if subtree else working_province_ids(user=user)
        shows_national = user.is_portal_admin
    else:
        provinces = province_ids_in_scope(user=user)
        shows_national = True
    if filters.province is not None:
        provinces = (
            {filters.province.pk} if provinces is None else provinces & {filters.province.pk}
        )
    tables: list[IndicatorTable] = []
    progress: list[Progress] = []
    charts: dict[str, Any] = {}
    if figures is not None:
        tables = indicator_tables(
            figures,
            provinces=provinces,
            national=shows_national,
            indicator_ids=_indicator_ids(filters),
        )
        if shows_national:
            progress = target_progress(
                figures, cumulative=published_before(figures, release, working)
            )
        charts = _charts(figures, filters, tables, shows_national)
    spending = None
    spent = None
    if filters.year is not None and working:
        # A subtree's staff see their subtree's spending only, as they see its figures.
        subtree_ids = working_organisation_ids(user=user)
        spent = (
            working_spending_of_all(filters.year)
            if subtree_ids is None
            else working_spending(filters.year, organisation_ids=subtree_ids)
        )
    elif release is not None:
        spent = released_spending(release)  # readers outside the working figures: published only
    if spent is not None:
        spending = spending_tables(
            spent,
            provinces=provinces,
            national=shows_national and filters.province is None,
            quarter=filters.quarter,
            pillar=filters.pillar,
        )
    return SummaryPage(
        page_obj=Paginator(tables, TABLES_PER_PAGE).get_page(page),
        progress=progress,
        charts=charts,
        view=WORKING if working else PUBLISHED,
        release=release,
        min_cell=figures.k if figures else min_cell(),
        can_download=can_download(user),
        shows_national=shows_national,
        period_label=_period_label(filters),
        spending=spending,
        subtree_only=working and working_organisation_ids(user=user) is not None,
    )


def published_before(
    figures: Figures, release: Release | None, working: bool
) -> dict[int, int | None]:
    """For indicators whose target is cumulative since 2024: the nation's totals of the years
    before this one, added up (None when one of them is hidden or missing)."""
    cumulative = list(
        Indicator.objects.filter(
            target_reading=Indicator.TargetReading.CUMULATIVE, aggregation="count"
        )
    )
    totals: dict[int, int | None] = {indicator.pk: 0 for indicator in cumulative}
    if not cumulative:
        return totals
    for year in range(NAP_FIRST_YEAR, figures.year):
        if working:
            cube = working_cube(year, 4)
            cells, hidden = cube.cells, set()
        else:
            earlier = latest_release(year)
            if earlier is None:
                if ProvincialSummary.objects.filter(period__year=year).exists():
                    return {indicator.pk: None for indicator in cumulative}  # not published yet
                continue  # nothing was reported that year

            version = read_version(earlier)
            cells, hidden = version.cube.cells, version.hidden or set()
        for indicator in cumulative:
            key = (indicator.pk, NATIONAL, str(year), TOTAL, "")
            before = totals[indicator.pk]
            if before is None or (key, "value") in hidden:
                totals[indicator.pk] = None
            elif key in cells:
                totals[indicator.pk] = before + cells[key].part("value")
    return totals


def _period_label(filters: SummaryFilters) -> str:
    if filters.year is None:
        return ""
    if filters.quarter:
        return _("Q%(number)s/%(year)s") % {"number": filters.quarter, "year": filters.year}
    return _("Year %(year)s") % {"year": filters.year}


def _charts(
    figures: Figures, filters: SummaryFilters, tables: list[IndicatorTable], national: bool
) -> dict[str, Any]:
    """One indicator's totals over the periods of the year, and by province."""
    indicator = filters.indicator or (tables[0].indicator if tables else None)
    if indicator is None:
        return {}
    if filters.province is not None:
        place = filters.province.pk
    elif national:
        place = NATIONAL
    else:
        return {}
    table = next((t for t in tables if t.indicator == indicator), None)
    labels = {
        period.code: period.label for period in ReportingPeriod.objects.filter(year=figures.year)
    }
    return {
        "indicator": f"{indicator.code} · {indicator.name}",
        "unit": "%" if indicator.is_ratio else indicator.unit_label,
        "over_time": series_over_time(figures, indicator, place, labels),
        "by_province": table.chart_by_province if table else [],
        "labels": {"over_time": _("Over time"), "by_province": _("By province")},
    }


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


def releases_for(*, user: User) -> QuerySet[Release]:
    """Every release and revision, newest first: published figures are for every reader."""
    return Release.objects.select_related("published_by").order_by("-year", "-quarter", "-revision")


def release_page_for(*, user: User) -> dict[str, Any]:
    """What the releases page shows beside the list: whether the reader may publish or download."""
    return {"can_publish": user.is_portal_admin, "can_download": can_download(user)}


SUGGESTED_HIGHLIGHTS = 10  # the newest approved reports with a narrative, offered with one click
RECENT_BUILDS = 20


@dataclass
class NapReportPage:
    year: int | None
    years: list[int]
    release: Release | None
    builds: list[NapReportBuild]
    highlights: list[NapReportHighlight]
    suggestions: list[ActivityReport]

    @property
    def busy(self) -> bool:
        """A build is queued or running: the page refreshes itself to show its progress."""
        return any(not build.is_finished for build in self.builds)


def nap_report_years() -> list[int]:
    """Years with a release: the only years the annual report can be made for."""
    return sorted(set(Release.objects.values_list("year", flat=True)), reverse=True)


def nap_report_page_for(*, user: User, year: int | None) -> NapReportPage:
    """The annual report page (admins only): recent builds, and the chosen year's release,
    highlights and suggested highlights."""
    ensure_admin(user)
    years = nap_report_years()
    if year not in years:
        year = years[0] if years else None
    builds = list(
        NapReportBuild.objects.select_related("requested_by", "release").order_by(
            "-created_at", "-pk"
        )[:RECENT_BUILDS]
    )
    highlights: list[NapReportHighlight] = []
    suggestions: list[ActivityReport] = []
    if year is not None:
        highlights = list(
            NapReportHighlight.objects.filter(year=year)
            .select_related("report__organisation", "report__province", "report__period")
            .order_by("report__period__start_date", "report_id")
        )
        suggestions = list(
            ActivityReport.objects.filter(status=ActivityReport.Status.APPROVED, period__year=year)
            .exclude(narrative="")
            .exclude(pk__in=[highlight.report_id for highlight in highlights])
            .select_related("organisation", "province", "period")
            .order_by("-reviewed_at", "-pk")[:SUGGESTED_HIGHLIGHTS]
        )
    return NapReportPage(
        year=year,
        years=years,
        release=latest_release(year),
        builds=builds,
        highlights=highlights,
        suggestions=suggestions,
    )


@dataclass
class FilesWaiting:
    ready: int  # done, not yet downloaded
    busy: int  # queued or running


def release_file_builds_for(*, user: User) -> QuerySet[ReleaseFileBuild]:
    """The release files built for this reader, newest first (nobody else's: not even an
    admin's list shows them), while they are kept."""
    return (
        ReleaseFileBuild.objects.kept()
        .filter(requested_by=user)
        .select_related("release")
        .order_by("-created_at", "-pk")
    )


def release_files_waiting(*, user: User) -> FilesWaiting:
    """How many of the reader's files are ready and not yet downloaded, and how many are being
    built: one query."""
    done, waiting = (
        ReleaseFileBuild.Status.DONE,
        [
            ReleaseFileBuild.Status.QUEUED,
            ReleaseFileBuild.Status.RUNNING,
        ],
    )
    counts = (
        ReleaseFileBuild.objects.current()
        .filter(requested_by=user)
        .aggregate(
            ready=Count("pk", filter=Q(status=done, downloaded_at=None)),
            busy=Count("pk", filter=Q(status__in=waiting)),
        )
    )
    return FilesWaiting(ready=counts["ready"], busy=counts["busy"])


def dhis2_export_for(*, user: User, release_id: int) -> dhis2.Export:
    """What a release sends to DHIS2 with the current mapping (administrators only): the values,
    and what is left out because it is hidden or unmapped."""
    ensure_admin(user)
    release = Release.objects.filter(pk=release_id).first()
    if release is None:
        raise Http404(_("No such release."))
    return dhis2.build_export(release)


RECENT_PUSHES = 10


@dataclass
class Dhis2Page:
    export: dhis2.Export
    pushes: list[Dhis2Push]
    can_push: bool

    @property
    def busy(self) -> bool:
        """A push is queued or running: the page refreshes itself to show how it ends."""
        return any(not push.is_finished for push in self.pushes)


def dhis2_page_for(*, user: User, release_id: int) -> Dhis2Page:
    export = dhis2_export_for(user=user, release_id=release_id)
    pushes = list(
        Dhis2Push.objects.filter(release=export.release)
        .select_related("requested_by")
        .order_by("-created_at", "-pk")[:RECENT_PUSHES]
    )
    return Dhis2Page(export=export, pushes=pushes, can_push=dhis2.is_configured())
