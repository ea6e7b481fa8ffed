"""The annual NAP progress report: what it says, read from the year's newest release only.

The content is assembled in the active language (names, labels, numbers as a reader of that
language writes them) and handed to `summaries.nap_report_render`, which draws the charts and
writes the DOCX or PDF. Every number comes from a release, through the same code the summaries
page uses (`tables.target_progress`, `tables.series_over_time`), so a report approved after
publication changes nothing here until a revision publishes it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators.models import Indicator, Pillar, Target
from indicators.ratios import percent
from portal.models import Province
from reports.disaggregation import TOTAL
from reports.models import ActivityReport, FundingSource, ReportingPeriod
from summaries import spending
from summaries.cube import NATIONAL
from summaries.disclosure import SECONDARY
from summaries.models import NapReportHighlight, Release
from summaries.releases import published_version
from summaries.selectors import published_before
from summaries.tables import (
    Figures,
    Progress,
    chart_value,
    coverage_text,
    series_over_time,
    target_progress,
)

Step = Callable[[int], None]  # told the percentage done as the report is assembled
TARGET_YEARS = (2025, 2030)  # the NAP's interim and final targets (Decision 101/QĐ-TTg)


class NapReportError(Exception):
    """The report cannot be made as asked; the message is for the admin."""


@dataclass
class FinancingLine:
    """Spending on one pillar's activities from one funding source, as a release published it."""

    source: str  # the funding source (and donor), in the active language
    amount_vnd: int | None  # None when the release hid it


class FinancingReader(Protocol):
    """Where the report's financing section comes from: spending by pillar in a release.

    Returns, per pillar value (`indicators.models.Pillar`), the lines to print in the active
    language; a pillar missing from the answer gets no financing table. While no reader is set
    (`FINANCING_READER is None`) the report has no financing section at all.
    """

    def __call__(self, release: Release) -> dict[str, list[FinancingLine]]: ...


def published_financing(release: Release) -> dict[str, list[FinancingLine]]:
    """The spending a release published, by pillar: one line per funding source (and donor)."""
    lines: dict[str, list[FinancingLine]] = {}
    for item in spending.release_spending_totals(release):
        source = str(FundingSource(item.source).label)
        if item.donor is not None:
            source = f"{source}: {item.donor}"
        lines.setdefault(item.pillar, []).append(FinancingLine(source, item.amount))
    return lines


# Where financing by pillar comes from: the release's published spending (`summaries.spending`).
FINANCING_READER: FinancingReader | None = published_financing


@dataclass
class IndicatorSection:
    code: str
    name: str
    unit: str
    time_rule: str
    baseline: str
    value: str
    value_note: str  # "hidden", "not reported", or the cumulative reading
    targets: dict[int, str]
    percent_of_2030: int | None
    coverage: str
    provisional: bool
    series: list[tuple[str, int | float | None]]  # (period label, value) as the page charts it
    is_percent: bool
    national_only: bool


@dataclass
class Highlight:
    title: str
    organisation: str
    place: str
    period: str
    narrative: str


@dataclass
class PillarSection:
    pillar: str
    label: str
    indicators: list[IndicatorSection] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)
    financing: list[FinancingLine] | None = None


@dataclass
class CompletenessRow:
    period: str
    indicators: int
    organisations: int
    organisations_expected: int
    provinces: int

    @property
    def rate(self) -> str:
        if not self.organisations_expected:
            return "—"
        share = Decimal(self.organisations) * 100 / Decimal(self.organisations_expected)
        return number_format(share.quantize(Decimal("0.1")), decimal_pos=1) + "%"


@dataclass
class NapReport:
    year: int
    language: str
    release_label: str
    release_published: datetime.datetime
    fully_published: bool
    coverage_note: str
    pillars: list[PillarSection]
    completeness: list[CompletenessRow]
    has_financing: bool
    generated_at: datetime.datetime
    k: int

    @property
    def title(self) -> str:
        return _("Annual progress report on the National Action Plan on Women, Peace and Security")


def release_for_year(year: int) -> Release:
    """The newest release of the year; the report is made from it or not at all."""
    release = Release.objects.filter(year=year).newest()
    if release is None:
        raise NapReportError(
            _("No release of %(year)s has been published: publish one before making the report.")
            % {"year": year}
        )
    return release


def _number(value: Decimal | int | None, is_percent: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):  # 15.70 reads 15.7, 60.00 reads 60
        value = int(value) if value == value.to_integral_value() else value.normalize()
    text = number_format(value, force_grouping=True)
    return f"{text}%" if is_percent else text


def _target_text(target: Target | None, is_percent: bool) -> str:
    if target is None:
        return "—"
    prefix = {">=": "≥ ", "<=": "≤ "}.get(target.qualifier, "")
    return prefix + _number(target.value, is_percent)


def _hidden(figures: Figures, indicator: Indicator) -> bool:
    key = (indicator.pk, NATIONAL, figures.period, TOTAL, "")
    return any((key, part) in figures.hidden for part in ("value", "numerator", "denominator"))


def _indicator_section(
    figures: Figures,
    indicator: Indicator,
    progress: Progress | None,
    period_labels: dict[str, str],
    provinces: int,
) -> IndicatorSection:
    is_percent = indicator.is_ratio or indicator.unit == "%"
    key = (indicator.pk, NATIONAL, figures.period, TOTAL, "")
    cell = figures.cells.get(key)
    targets = {t.year: t for t in indicator.targets.all() if t.kind == Target.Kind.TARGET}
    baselines = sorted(
        (t for t in indicator.targets.all() if t.kind == Target.Kind.BASELINE), key=lambda t: t.year
    )
    if progress is not None:
        value = progress.value
        coverage, provisional, share = (
            progress.coverage,
            progress.provisional,
            progress.percent_of_2030,
        )
    else:
        value = None
        if cell is not None:
            if indicator.is_ratio:
                value = percent(figures.part(key, "numerator"), figures.part(key, "denominator"))
            else:
                value = figures.part(key, "value")
        coverage = (
            coverage_text(cell, national=True, is_year=True, provinces=provinces) if cell else ""
        )
        provisional, share = bool(cell and cell.provisional), None
    if cell is None:
        note = _("not reported in this release")
    elif _hidden(figures, indicator):
        note = _("hidden: a small count (%(mark)s)") % {"mark": SECONDARY}
    elif value is None and indicator.is_ratio:
        note = _("not defined: nothing was counted in the denominator")
    elif value is None:  # a cumulative count whose earlier year is hidden or unpublished
        note = _("not shown: a year before was hidden or not published")
    elif indicator.target_reading == Indicator.TargetReading.CUMULATIVE:
        note = _("cumulative since 2024")
    else:
        note = ""
    baseline = baselines[0] if baselines else None
    baseline_text = (
        f"{_target_text(baseline, is_percent)} ({baseline.year})" if baseline is not None else "—"
    )
    places = {place for (pk, place, *_rest) in figures.cells if pk == indicator.pk}
    series = series_over_time(figures, indicator, NATIONAL, period_labels)
    if not series and cell is not None:  # reported once a year: the year is its one period
        year_label = _("Year %(year)s") % {"year": figures.year}
        series = [(str(year_label), chart_value(figures, indicator, NATIONAL, figures.period))]
    return IndicatorSection(
        code=indicator.code,
        name=indicator.name,
        unit="%" if indicator.is_ratio else indicator.unit_label,
        time_rule=str(indicator.get_time_rule_display()),
        baseline=baseline_text,
        value=_number(value, is_percent) if value is not None else "",
        value_note=note,
        targets={year: _target_text(targets.get(year), is_percent) for year in TARGET_YEARS},
        percent_of_2030=share,
        coverage=coverage,
        provisional=provisional,
        series=series,
        is_percent=indicator.is_ratio,
        national_only=bool(places) and places == {NATIONAL},
    )


def _highlights(year: int) -> dict[str, list[Highlight]]:
    """The year's chosen reports that are still approved, under their programme's pillar."""
    chosen = (
        NapReportHighlight.objects.filter(year=year, report__status=ActivityReport.Status.APPROVED)
        .select_related(
            "report__organisation", "report__province", "report__period", "report__programme"
        )
        .order_by("report__period__start_date", "report__province__code", "report_id")
    )
    by_pillar: dict[str, list[Highlight]] = {}
    for highlight in chosen:
        report = highlight.report
        by_pillar.setdefault(report.programme.default_pillar, []).append(
            Highlight(
                title=report.title,
                organisation=report.organisation.name,
                place=report.province.name if report.province else _("Whole country"),
                period=str(report.period.label),
                narrative=report.narrative.strip(),
            )
        )
    return by_pillar


def _completeness(
    figures: Figures, period_codes: list[str], labels: dict[str, str]
) -> list[CompletenessRow]:
    """Per period and for the year: organisations reporting of those expected, over every
    indicator's national cell as the release published it."""
    rows = []
    for code in [*period_codes, figures.period]:
        cells = [
            cell
            for (indicator_id, place, period, dimension, _c), cell in figures.cells.items()
            if place == NATIONAL and period == code and dimension == TOTAL
        ]
        if not cells:
            continue
        rows.append(
            CompletenessRow(
                period=labels.get(code, _("Year %(year)s") % {"year": figures.year}),
                indicators=len(cells),
                organisations=sum(cell.organisation_count for cell in cells),
                organisations_expected=sum(cell.organisations_expected for cell in cells),
                provinces=max(cell.provinces_reporting for cell in cells),
            )
        )
    return rows


def build_report(year: int, *, step: Step | None = None) -> NapReport:
    """The report of a year from its newest release, in the active language."""
    tell = step or (lambda _percent: None)
    release = release_for_year(year)
    version = published_version(release)
    cube = version.cube
    figures = Figures(
        cube.cells, version.hidden or set(), release.min_cell, str(year), year, cube.indicators
    )
    tell(10)
    progress = {
        item.indicator.pk: item
        for item in target_progress(
            figures, cumulative=published_before(figures, release, working=False)
        )
    }
    indicators = (
        Indicator.objects.filter(is_active=True)
        .prefetch_related("targets")
        .order_by("pillar", "code")
    )
    wanted = [i for i in indicators if i.pk in progress or i.pk in cube.indicators]
    periods = list(ReportingPeriod.objects.filter(year=year).order_by("start_date", "kind"))
    labels = {period.code: str(period.label) for period in periods}
    provinces = Province.objects.count()
    highlights = _highlights(year)
    financing = FINANCING_READER(release) if FINANCING_READER is not None else None
    sections = {
        pillar.value: PillarSection(
            pillar=pillar.value,
            label=str(pillar.label),
            highlights=highlights.get(pillar.value, []),
            financing=None if financing is None else financing.get(pillar.value, []),
        )
        for pillar in Pillar
    }
    for done, indicator in enumerate(wanted, start=1):
        section = _indicator_section(
            figures, indicator, progress.get(indicator.pk), labels, provinces
        )
        sections[indicator.pillar].indicators.append(section)
        tell(10 + 40 * done // max(1, len(wanted)))
    in_window = [p.code for p in periods if p.code in cube.period_order]
    fully = release.quarter == 4
    if fully:
        note = _("Figures of the whole year %(year)s, from %(release)s.") % {
            "year": year,
            "release": release.label,
        }
    else:
        note = _(
            "The year %(year)s is not fully published: these figures run through quarter "
            "%(quarter)s only (%(release)s), and each year value covers those quarters."
        ) % {"year": year, "quarter": release.quarter, "release": release.label}
    return NapReport(
        year=year,
        language=get_language() or "vi",
        release_label=release.label,
        release_published=release.published_at,
        fully_published=fully,
        coverage_note=str(note),
        pillars=list(sections.values()),
        completeness=_completeness(figures, in_window, labels),
        has_financing=financing is not None,
        generated_at=timezone.now(),
        k=release.min_cell,
    )
