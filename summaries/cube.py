"""The cube a release publishes, and the relations a reader knows between its cells.

A cube covers one year through one quarter: for every indicator with data, every province with
data and the nation, every period (quarter or month) with data and the year, every cell of the
indicator's breakdown. Year cells roll the periods up by the indicator's time rule; national cells
add the provinces up (for a year, only when the rule is a sum). Coverage travels with every cell.

National programmes' reports (ministries, national bodies) have no province: their figures go
into the national cells only, and a national cell they contribute to no longer equals the sum of
the provinces (`bodies_reporting` says how many national bodies are in it). An annual period's
code is the year's: its cells are the year's cells, covering one period of one.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Sum

from indicators.models import Indicator, Programme
from reports.disaggregation import DIMENSIONS, TOTAL, categories
from reports.models import ReportingPeriod
from reports.periods import period_dates
from summaries import versions
from summaries.disclosure import CONSTANT, Relation

NATIONAL = 0  # the place of national cells (provinces are their primary keys)
COUNT_PARTS = ("value",)
RATIO_PARTS = ("numerator", "denominator")

CellKey = tuple[int, int, str, str, str]  # indicator, place, period code, dimension, category
PartKey = tuple[CellKey, str]  # a cell and its part: value, numerator or denominator


# What a published cell stores beside its place in the cube (ReleaseCell has the same fields).
CELL_FIELDS = (
    "value",
    "numerator",
    "denominator",
    "report_count",
    "organisation_count",
    "organisations_expected",
    "provinces_reporting",
    "periods_in",
    "periods_expected",
    "provisional",
    "bodies_reporting",
)


@dataclass
class CubeCell:
    value: int | None = None
    numerator: int | None = None
    denominator: int | None = None
    report_count: int = 0
    organisation_count: int = 0
    organisations_expected: int = 0
    provinces_reporting: int = 0
    periods_in: int = 0
    periods_expected: int = 0
    provisional: bool = False
    bodies_reporting: int = 0  # national bodies whose national reports are in the cell

    def part(self, name: str) -> int:
        return getattr(self, name) or 0

    def add(self, other: "CubeCell") -> None:
        for name in ("value", "numerator", "denominator"):
            if getattr(other, name) is not None:
                setattr(self, name, self.part(name) + getattr(other, name))
        self.report_count += other.report_count
        self.organisation_count += other.organisation_count


@dataclass
class Cube:
    year: int
    quarter: int
    indicators: dict[int, Indicator]
    cells: dict[CellKey, CubeCell] = field(default_factory=dict)
    period_order: dict[str, datetime.date] = field(default_factory=dict)

    @property
    def year_code(self) -> str:
        return str(self.year)

    def parts_of(self, indicator: Indicator) -> tuple[str, ...]:
        return RATIO_PARTS if indicator.is_ratio else COUNT_PARTS

    def values(self) -> dict[PartKey, int]:
        return {
            (key, part): cell.part(part)
            for key, cell in self.cells.items()
            for part in self.parts_of(self.indicators[key[0]])
        }


def breakdown(indicator: Indicator) -> list[tuple[str, str]]:
    """The cells of an indicator: the total, then each breakdown's categories in their order,
    only those the indicator declares valid (`Indicator.disaggregation`)."""
    return indicator.breakdown()


def published_breakdown(cube: "Cube", indicator: Indicator) -> list[tuple[str, str]]:
    """The cells of an indicator a cube holds, in breakdown order. For working figures this is
    the declared breakdown; a stored release keeps the cells it published, whatever the
    indicator declares today, and what its readers know ties those cells together."""
    present = {(d, c) for i, _p, _t, d, c in cube.cells if i == indicator.pk}
    order = {dimension: n for n, dimension in enumerate(DIMENSIONS)}
    rank = {(d, c): (order[d], n) for d in DIMENSIONS for n, (c, _l) in enumerate(categories(d))}
    cells = sorted(
        (cell for cell in present if cell[0] != TOTAL), key=lambda cell: rank.get(cell, (99, 0))
    )
    return [(TOTAL, ""), *cells]


def window(year: int, quarter: int) -> list[ReportingPeriod]:
    """The reporting periods of a year up to the end of a quarter, in date order."""
    _start, end = period_dates("quarter", year, quarter)
    return list(
        ReportingPeriod.objects.filter(year=year, end_date__lte=end).order_by("start_date", "kind")
    )


def _expected_organisations() -> tuple[dict[tuple[int, int], int], dict[int, int]]:
    """Active organisations expected to report each indicator: by (indicator, province), and
    nationally (national bodies included)."""
    by_province: dict[tuple[int, int], int] = defaultdict(int)
    national: dict[int, int] = defaultdict(int)
    links = (
        Programme.organisations.through.objects.filter(
            organisation__is_active=True, programme__is_active=True
        )
        .values("programme__indicators", "organisation__province")
        .annotate(n=Count("organisation", distinct=True))
        .order_by()
    )
    for row in links:
        indicator_id = row["programme__indicators"]
        if indicator_id is None:
            continue
        national[indicator_id] += row["n"]
        if row["organisation__province"] is not None:
            by_province[(indicator_id, row["organisation__province"])] += row["n"]
    return by_province, national


SUMMARY_ROW_FIELDS = (
    "indicator_id",
    "province_id",
    "period_id",
    "dimension",
    "category",
    "value",
    "numerator",
    "denominator",
    "report_count",
    "organisation_count",
)


def cube_from_summaries(year: int, quarter: int) -> Cube:
    """The cube of working figures (approved reports) of a year through a quarter."""
    from summaries.models import ProvincialSummary

    periods = window(year, quarter)
    rows = ProvincialSummary.objects.filter(period__in=periods).values(*SUMMARY_ROW_FIELDS)
    return _cube_from_rows(year, quarter, periods, rows.iterator(chunk_size=5000))


def working_cube(year: int, quarter: int) -> Cube:
    """`cube_from_summaries` for the pages, from the cache while nothing it reads has changed
    (`summaries.versions`). The same for every reader (the whole country): who sees which
    province is decided on the cube, after."""
    return versions.cached(
        "working-cube",
        (year, quarter, settings.SUMMARY_PROVISIONAL_COVERAGE),
        lambda: cube_from_summaries(year, quarter),
        Cube,
    )


def cube_for_organisations(year: int, quarter: int, organisation_ids: Iterable[int]) -> Cube:
    """The working figures of some organisations only (a parent organisation and its
    descendants): their fully approved reports, summed by province, period and cell in the
    database, the same sums as the provincial summaries."""
    from reports.models import ActivityReport, Figure

    periods = window(year, quarter)
    rows = (
        Figure.objects.filter(
            report__status=ActivityReport.Status.APPROVED,
            report__organisation_id__in=sorted(set(organisation_ids)),
            report__period__in=periods,
            not_applicable=False,
        )
        .values(
            "indicator_id",
            "dimension",
            "category",
            province_id=F("report__province_id"),
            period_id=F("report__period_id"),
        )
        .annotate(
            value=Sum("value"),
            numerator=Sum("numerator"),
            denominator=Sum("denominator"),
            report_count=Count("pk"),
            organisation_count=Count("report__organisation_id", distinct=True),
        )
        .order_by()
    )
    return _cube_from_rows(year, quarter, periods, rows)


def _cube_from_rows(
    year: int, quarter: int, periods: list[ReportingPeriod], rows: Iterable[dict[str, Any]]
) -> Cube:
    codes = {period.pk: period.code for period in periods}
    indicator_ids = set()
    cells: dict[CellKey, CubeCell] = {}
    for row in rows:
        key = (
            row["indicator_id"],
            NATIONAL if row["province_id"] is None else row["province_id"],
            codes[row["period_id"]],
            row["dimension"],
            row["category"],
        )
        indicator_ids.add(row["indicator_id"])
        cells[key] = CubeCell(
            value=row["value"],
            numerator=row["numerator"],
            denominator=row["denominator"],
            report_count=row["report_count"],
            organisation_count=row["organisation_count"],
        )
    cube = Cube(
        year=year,
        quarter=quarter,
        indicators=Indicator.objects.in_bulk(indicator_ids),
        period_order={period.code: period.start_date for period in periods},
    )
    _complete(cube, cells)
    return cube


def cube_from_cells(year: int, quarter: int, stored: Iterable[Any]) -> Cube:
    """A published cube back from its stored cells (ReleaseCell rows)."""
    cells: dict[CellKey, CubeCell] = {}
    indicator_ids = set()
    for row in stored:
        indicator_ids.add(row.indicator_id)
        key = (
            row.indicator_id,
            row.province_id or NATIONAL,
            row.period_code,
            row.dimension,
            row.category,
        )
        cells[key] = CubeCell(**{name: getattr(row, name) for name in CELL_FIELDS})
    periods = window(year, quarter)
    return Cube(
        year=year,
        quarter=quarter,
        indicators=Indicator.objects.in_bulk(indicator_ids),
        cells=cells,
        period_order={period.code: period.start_date for period in periods},
    )


def _complete(cube: Cube, provincial: dict[CellKey, CubeCell]) -> None:
    """Fill in every breakdown cell, the national rows, the year rows and coverage.

    `provincial` holds the summary rows: provinces' and, at the NATIONAL place, those of
    national reports, which add into the national cells beside the provinces."""
    expected_by_province, expected_national = _expected_organisations()
    threshold = settings.SUMMARY_PROVISIONAL_COVERAGE
    places: dict[tuple[int, str], set[int]] = defaultdict(set)  # (indicator, period) -> places
    for indicator_id, place, period, _d, _c in provincial:
        places[(indicator_id, period)].add(place)
    for (indicator_id, period), reported in places.items():
        indicator = cube.indicators[indicator_id]
        provinces = reported - {NATIONAL}
        national_total = provincial.get((indicator_id, NATIONAL, period, TOTAL, ""))
        bodies = national_total.organisation_count if national_total else 0
        for dimension, category in breakdown(indicator):
            national_key = (indicator_id, NATIONAL, period, dimension, category)
            national = _zero(indicator)
            if NATIONAL in reported:
                national.add(provincial.get(national_key) or _zero(indicator))
            for place in provinces:
                key = (indicator_id, place, period, dimension, category)
                cell = provincial.get(key) or _zero(indicator)
                cell.organisations_expected = expected_by_province.get((indicator_id, place), 0)
                cube.cells[key] = cell
                national.add(cell)
            national.provinces_reporting = len(provinces)
            national.bodies_reporting = bodies
            national.organisations_expected = expected_national.get(indicator_id, 0)
            cube.cells[national_key] = national
    for key, cell in cube.cells.items():
        if key[2] == cube.year_code:  # an annual period: the year in one period
            cell.periods_in = cell.periods_expected = 1
    for indicator in cube.indicators.values():
        _add_year(cube, indicator)
    for key, cell in cube.cells.items():
        expected = cell.organisations_expected
        cell.provisional = bool(expected) and cell.organisation_count < threshold * expected
        if key[2] == cube.year_code and cell.periods_in < cell.periods_expected:
            cell.provisional = True


def _zero(indicator: Indicator) -> CubeCell:
    if indicator.is_ratio:
        return CubeCell(numerator=0, denominator=0)
    return CubeCell(value=0)


def _series(cube: Cube, indicator: Indicator) -> dict[int, list[str]]:
    """For each place, the periods with data, in date order."""
    series: dict[int, set[str]] = defaultdict(set)
    for indicator_id, place, period, _d, _c in cube.cells:
        if indicator_id == indicator.pk and period != cube.year_code:
            series[place].add(period)
    return {
        place: sorted(periods, key=cube.period_order.__getitem__)
        for place, periods in series.items()
    }


def chosen_period(cube: Cube, indicator: Indicator, place: int, periods: list[str]) -> str | None:
    """The period whose cells a year takes for a `last` or `max` rule (None for the others)."""
    rule = indicator.time_rule
    if rule == Indicator.TimeRule.LAST:
        return periods[-1]
    if rule == Indicator.TimeRule.MAX:
        part = cube.parts_of(indicator)[0]
        return max(
            periods,
            key=lambda p: (cube.cells[(indicator.pk, place, p, TOTAL, "")].part(part), p),
        )
    return None


def _add_year(cube: Cube, indicator: Indicator) -> None:
    series = _series(cube, indicator)
    months = any("-Q" not in period for periods in series.values() for period in periods)
    periods_expected = 12 if months else 4
    for place, periods in series.items():
        chosen = chosen_period(cube, indicator, place, periods)
        for dimension, category in breakdown(indicator):
            cells = [cube.cells[(indicator.pk, place, p, dimension, category)] for p in periods]
            year = _zero(indicator)
            if chosen is not None:
                year.add(cube.cells[(indicator.pk, place, chosen, dimension, category)])
            else:
                for cell in cells:
                    year.add(cell)
                if indicator.time_rule == Indicator.TimeRule.AVERAGE:
                    for part in cube.parts_of(indicator):
                        setattr(year, part, _rounded(year.part(part), len(cells)))
            year.report_count = sum(cell.report_count for cell in cells)
            year.organisation_count = max(cell.organisation_count for cell in cells)
            year.organisations_expected = cells[-1].organisations_expected
            year.provinces_reporting = max(cell.provinces_reporting for cell in cells)
            year.bodies_reporting = max(cell.bodies_reporting for cell in cells)
            year.periods_in = len(periods)
            year.periods_expected = periods_expected
            cube.cells[(indicator.pk, place, cube.year_code, dimension, category)] = year


def _rounded(total: int, count: int) -> int:
    """total / count rounded half up, in whole numbers."""
    return (2 * total + count) // (2 * count)


@dataclass
class Relations:
    equalities: list[Relation] = field(default_factory=list)
    inequalities: list[Relation] = field(default_factory=list)


def relations(cube: Cube) -> Relations:
    """What a reader of the cube knows ties its cells together, over (cell, part) keys."""
    found = Relations()
    by_indicator: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for indicator_id, place, period, _d, _c in cube.cells:
        by_indicator[indicator_id][place].add(period)
    for indicator_id, places in by_indicator.items():
        indicator = cube.indicators[indicator_id]
        parts = cube.parts_of(indicator)
        cells = published_breakdown(cube, indicator)
        rule = indicator.time_rule
        for place, periods in places.items():
            for period in periods:
                _breakdowns_add_up(found, indicator, place, period, parts, cells)
                if indicator.is_ratio:
                    for dimension, category in cells:
                        key = (indicator_id, place, period, dimension, category)
                        found.inequalities.append({(key, "numerator"): 1, (key, "denominator"): -1})
            quarters = sorted(
                (p for p in periods if p != cube.year_code), key=cube.period_order.__getitem__
            )
            if cube.year_code in periods and quarters:
                _year_relations(found, cube, indicator, place, quarters, parts, cells)
        provinces = [place for place in places if place != NATIONAL]
        all_periods = set().union(*places.values())
        for period in all_periods:
            if period == cube.year_code and rule != Indicator.TimeRule.SUM:
                continue
            for dimension, category in cells:
                national = (indicator_id, NATIONAL, period, dimension, category)
                if national not in cube.cells:
                    continue
                keys = [
                    key
                    for key in (
                        (indicator_id, province, period, dimension, category)
                        for province in provinces
                    )
                    if key in cube.cells
                ]
                if not keys:
                    continue  # national reports only: the nation's cell is a figure of its own
                # National bodies' figures add to the provinces': the nation is at least their sum.
                with_bodies = cube.cells[national].bodies_reporting > 0
                for part in parts:
                    relation = {(national, part): 1, **{(key, part): -1 for key in keys}}
                    if with_bodies:
                        found.inequalities.append({k: -c for k, c in relation.items()})
                    else:
                        found.equalities.append(relation)
    return found


def _breakdowns_add_up(
    found: Relations,
    indicator: Indicator,
    place: int,
    period: str,
    parts: tuple[str, ...],
    cells: list[tuple[str, str]],
) -> None:
    total = (indicator.pk, place, period, TOTAL, "")
    dimensions = dict.fromkeys(dimension for dimension, _c in cells if dimension != TOTAL)
    for dimension in dimensions:
        for part in parts:
            relation = {(total, part): 1}
            for cell_dimension, category in cells:
                if cell_dimension == dimension:
                    relation[((indicator.pk, place, period, dimension, category), part)] = -1
            found.equalities.append(relation)


def _year_relations(
    found: Relations,
    cube: Cube,
    indicator: Indicator,
    place: int,
    periods: list[str],
    parts: tuple[str, ...],
    cells: list[tuple[str, str]],
) -> None:
    chosen = chosen_period(cube, indicator, place, periods)
    for dimension, category in cells:
        year = (indicator.pk, place, cube.year_code, dimension, category)
        keys = [(indicator.pk, place, p, dimension, category) for p in periods]
        for part in parts:
            if chosen is not None:
                # A reader may not know which period a `max` took; assuming they do is safer.
                found.equalities.append(
                    {
                        (year, part): 1,
                        ((indicator.pk, place, chosen, dimension, category), part): -1,
                    }
                )
            elif indicator.time_rule == Indicator.TimeRule.AVERAGE:
                # n * year is the sum of the periods, give or take the rounding (n / 2).
                count = len(keys)
                ahead = {(year, part): -2 * count, **{(key, part): 2 for key in keys}}
                behind = {(year, part): 2 * count, **{(key, part): -2 for key in keys}}
                found.inequalities += [_shifted(ahead, count), _shifted(behind, count)]
            else:
                relation = {(year, part): 1}
                for key in keys:
                    relation[(key, part)] = -1
                found.equalities.append(relation)


def _shifted(relation: dict, slack: int) -> dict:
    """relation <= slack, written as relation - slack <= 0."""
    return {**relation, CONSTANT: -slack}
