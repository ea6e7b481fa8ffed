"""What the summaries page draws from a cube: a table per indicator, charts, progress to targets.

The same code draws working figures (a cube of approved reports, nothing hidden, for readers who
may read every report behind them) and published figures (a release, with the cells its
disclosure control hid). It never decides what to hide: a hidden part arrives hidden.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.models import Indicator, Target
from indicators.ratios import percent
from portal.models import Province
from reports.disaggregation import TOTAL
from summaries.cube import NATIONAL, CellKey, CubeCell, PartKey, breakdown
from summaries.disclosure import SECONDARY

TOTAL_CELL = (TOTAL, "")


@dataclass
class Figures:
    """Cells to show, which parts are hidden, and the period shown (a quarter, month or year)."""

    cells: dict[CellKey, CubeCell]
    hidden: set[PartKey]
    k: int
    period: str
    year: int
    indicators: dict[int, Indicator]

    def part(self, key: CellKey, name: str) -> int | None:
        """A part's number, or None when it is hidden or there is no such cell."""
        cell = self.cells.get(key)
        if cell is None or (key, name) in self.hidden:
            return None
        return cell.part(name)

    def text(self, key: CellKey, name: str) -> str:
        """A part as a reader sees it: grouped digits, "x" when hidden, blank if absent."""
        cell = self.cells.get(key)
        if cell is None:
            return ""
        if (key, name) in self.hidden:
            return SECONDARY
        return number_format(cell.part(name), force_grouping=True)


@dataclass
class Row:
    label: str
    code: str = ""
    total: str = ""
    cells: list[str] = field(default_factory=list)
    reports: int = 0
    organisations: int = 0
    percent: Decimal | None = None
    numerator: str = ""
    denominator: str = ""
    coverage: str = ""
    provisional: bool = False


@dataclass
class IndicatorTable:
    indicator: Indicator
    columns: list[tuple[str, str, str]]  # (dimension, category, label)
    rows: list[Row]
    national: Row | None
    chart_by_province: list[tuple[str, int | float | None]] = field(default_factory=list)


def coverage_text(cell: CubeCell, *, national: bool, is_year: bool, provinces: int) -> str:
    """Coverage beside a figure: provinces with data, organisations reporting, periods in."""
    parts = []
    if national and (cell.provinces_reporting or not cell.bodies_reporting):
        parts.append(_("%(n)s/%(of)s provinces") % {"n": cell.provinces_reporting, "of": provinces})
    if national and cell.bodies_reporting:
        parts.append(
            ngettext(
                "%(n)s national body reporting",
                "%(n)s national bodies reporting",
                cell.bodies_reporting,
            )
            % {"n": cell.bodies_reporting}
        )
    if cell.organisations_expected:
        parts.append(
            _("%(n)s/%(of)s organisations")
            % {"n": cell.organisation_count, "of": cell.organisations_expected}
        )
    if is_year and cell.periods_expected:
        parts.append(
            _("%(n)s/%(of)s periods") % {"n": cell.periods_in, "of": cell.periods_expected}
        )
    return " · ".join(parts)


def _row(
    figures: Figures, indicator: Indicator, place: int, label: str, code: str, provinces: int
) -> Row:
    total_key = (indicator.pk, place, figures.period, *TOTAL_CELL)
    cell = figures.cells[total_key]
    row = Row(
        label=label,
        code=code,
        reports=cell.report_count,
        organisations=cell.organisation_count,
        coverage=coverage_text(
            cell,
            national=place == NATIONAL,
            is_year=figures.period == str(figures.year),
            provinces=provinces,
        ),
        provisional=cell.provisional,
    )
    if indicator.is_ratio:
        row.numerator = figures.text(total_key, "numerator")
        row.denominator = figures.text(total_key, "denominator")
        row.percent = percent(
            figures.part(total_key, "numerator"), figures.part(total_key, "denominator")
        )
        row.cells = [
            _ratio_text(figures, (indicator.pk, place, figures.period, dimension, category))
            for dimension, category in breakdown(indicator)[1:]
        ]
        return row
    row.total = figures.text(total_key, "value")
    row.cells = [
        figures.text((indicator.pk, place, figures.period, dimension, category), "value")
        for dimension, category in breakdown(indicator)[1:]
    ]
    return row


def _ratio_text(figures: Figures, key: CellKey) -> str:
    """A ratio's cell as a table shows it: "numerator / denominator" (blank when absent)."""
    if key not in figures.cells:
        return ""
    return f"{figures.text(key, 'numerator')} / {figures.text(key, 'denominator')}"


def indicator_tables(
    figures: Figures,
    *,
    provinces: set[int] | None,
    national: bool,
    indicator_ids: set[int] | None = None,
) -> list[IndicatorTable]:
    """One table per indicator: a row per province shown and, when allowed, the nation's row."""
    places_by_indicator: dict[int, set[int]] = {}
    for indicator_id, place, period, dimension, _category in figures.cells:
        if period != figures.period or dimension != TOTAL or place == NATIONAL:
            continue
        if provinces is not None and place not in provinces:
            continue
        if indicator_ids is not None and indicator_id not in indicator_ids:
            continue
        places_by_indicator.setdefault(indicator_id, set()).add(place)
    if national:
        for indicator_id, place, period, dimension, _category in figures.cells:
            wanted = indicator_ids is None or indicator_id in indicator_ids
            if wanted and place == NATIONAL and period == figures.period and dimension == TOTAL:
                places_by_indicator.setdefault(indicator_id, set())
    names = Province.objects.in_bulk({p for places in places_by_indicator.values() for p in places})
    province_count = Province.objects.count()
    indicators = sorted(
        (figures.indicators[pk] for pk in places_by_indicator), key=lambda i: (i.pillar, i.code)
    )
    tables = []
    for indicator in indicators:
        places = sorted(places_by_indicator[indicator.pk], key=lambda pk: names[pk].code)
        rows = [
            _row(figures, indicator, pk, names[pk].short_name, names[pk].code, province_count)
            for pk in places
        ]
        national_row = None
        if national and (indicator.pk, NATIONAL, figures.period, *TOTAL_CELL) in figures.cells:
            national_row = _row(figures, indicator, NATIONAL, "", "", province_count)
        tables.append(
            IndicatorTable(
                indicator=indicator,
                columns=_labelled(indicator),
                rows=rows,
                national=national_row,
                chart_by_province=[
                    (row.label, chart_value(figures, indicator, pk, figures.period))
                    for pk, row in zip(places, rows, strict=True)
                ],
            )
        )
    return tables


def _labelled(indicator: Indicator) -> list[tuple[str, str, str]]:
    return [
        (dimension, category, str(label))
        for dimension in indicator.disaggregations
        for category, label in indicator.categories_of(dimension)
    ]


def chart_value(
    figures: Figures, indicator: Indicator, place: int, period: str
) -> int | float | None:
    """A total as a chart draws it (a percentage for ratios); None leaves a gap."""
    key = (indicator.pk, place, period, *TOTAL_CELL)
    if indicator.is_ratio:
        value = percent(figures.part(key, "numerator"), figures.part(key, "denominator"))
        return float(value) if value is not None else None
    return figures.part(key, "value")


def series_over_time(
    figures: Figures, indicator: Indicator, place: int, labels: dict[str, str]
) -> list[tuple[str, int | float | None]]:
    """(period label, total) for each period of the year with data at the place."""
    periods = sorted(
        {
            period
            for indicator_id, cell_place, period, dimension, _c in figures.cells
            if indicator_id == indicator.pk
            and cell_place == place
            and dimension == TOTAL
            and period != str(figures.year)
        }
    )
    return [
        (labels.get(period, period), chart_value(figures, indicator, place, period))
        for period in periods
    ]


@dataclass
class Progress:
    indicator: Indicator
    value: Decimal | int | None
    targets: list[Target]
    percent_of_2030: int | None
    coverage: str = ""
    provisional: bool = False


def target_progress(
    figures: Figures, *, cumulative: dict[int, int | None] | None = None
) -> list[Progress]:
    """NAP indicators with targets: the nation's figure for the year (by each indicator's time
    rule) beside its targets. `cumulative` gives, for targets read as cumulative since 2024, the
    sum of the published years before this one (None when one of them is hidden)."""
    indicators = (
        Indicator.objects.filter(targets__kind=Target.Kind.TARGET, is_active=True)
        .distinct()
        .prefetch_related("targets")
        .order_by("pillar", "code")
    )
    year = str(figures.year)
    province_count = Province.objects.count()
    progress = []
    for indicator in indicators:
        key = (indicator.pk, NATIONAL, year, *TOTAL_CELL)
        cell = figures.cells.get(key)
        value: Decimal | int | None = None
        if cell is not None:
            key_total = (indicator.pk, NATIONAL, year, *TOTAL_CELL)
            if indicator.is_ratio:
                value = percent(
                    figures.part(key_total, "numerator"), figures.part(key_total, "denominator")
                )
            else:
                value = figures.part(key_total, "value")
        if (
            value is not None
            and indicator.target_reading == Indicator.TargetReading.CUMULATIVE
            and cumulative is not None
        ):
            before = cumulative.get(indicator.pk, 0)
            value = None if before is None else value + before
        targets = sorted(
            (t for t in indicator.targets.all() if t.kind == Target.Kind.TARGET),
            key=lambda t: t.year,
        )
        target_2030 = next((t for t in targets if t.year == 2030), None) or (
            targets[-1] if targets else None
        )
        share = None
        if value is not None and target_2030 is not None and target_2030.value:
            share = min(100, int(Decimal(value) * 100 / target_2030.value))
        progress.append(
            Progress(
                indicator,
                value,
                targets,
                share,
                coverage=coverage_text(cell, national=True, is_year=True, provinces=province_count)
                if cell
                else "",
                provisional=bool(cell and cell.provisional),
            )
        )
    return progress
