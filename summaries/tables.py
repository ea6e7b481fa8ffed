"""What the summaries page shows: a table per indicator, charts and progress against targets.

Provincial quarters (and months) are stored; national and yearly figures are sums of them here.
Published figures (pages for readers who are not admins) go through small-cell suppression.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from indicators.models import Indicator, Target
from indicators.ratios import percent
from portal.models import Province, User
from reports.disaggregation import TOTAL, categories
from reports.models import ReportingPeriod
from summaries.scope import SummaryFilters, summary_queryset
from summaries.suppression import display, is_small, min_cell, suppress, suppress_ratio

NATIONAL = "national"

Place = int | str  # a province's id, or NATIONAL
CellKey = tuple[Place, str, str]  # (place, dimension, category)


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


@dataclass
class IndicatorTable:
    indicator: Indicator
    columns: list[tuple[str, str, str]]  # (dimension, category, label)
    rows: list[Row]
    national: Row
    chart_by_province: list[tuple[str, float | None]] = field(default_factory=list)


def _hidden_keys(
    values: dict[CellKey, int | None], provinces: list[int], cells: list[tuple[str, str]], k: int
) -> set[CellKey]:
    """Groups: each province's breakdowns add up to its total; provinces add up to the nation."""
    groups: list[tuple[CellKey, list[CellKey]]] = []
    dimensions: defaultdict[str, list[str]] = defaultdict(list)
    for dimension, category in cells:
        if dimension != TOTAL:
            dimensions[dimension].append(category)
    places: list[Place] = [*provinces, NATIONAL]
    for place in places:
        for dimension, members in dimensions.items():
            groups.append(((place, TOTAL, ""), [(place, dimension, c) for c in members]))
    for dimension, category in cells:
        groups.append(
            ((NATIONAL, dimension, category), [(p, dimension, category) for p in provinces])
        )
    return suppress(values, groups, k)


def indicator_tables(
    *, user: User, filters: SummaryFilters, published: bool
) -> list[IndicatorTable]:
    """One table per indicator: a row per province and a national (or in-scope) total row."""
    aggregated = (
        summary_queryset(user=user, filters=filters)
        .values("indicator_id", "province_id", "dimension", "category")
        .annotate(
            value=Sum("value"),
            numerator=Sum("numerator"),
            denominator=Sum("denominator"),
            reports=Sum("report_count"),
            organisations=Sum("organisation_count"),
        )
        .order_by()
    )
    by_indicator: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in aggregated:
        by_indicator[row["indicator_id"]].append(row)
    if not by_indicator:
        return []
    indicators = Indicator.objects.filter(pk__in=by_indicator).order_by("pillar", "code")
    provinces = {
        p.pk: p
        for p in Province.objects.filter(
            pk__in={r["province_id"] for rows in by_indicator.values() for r in rows}
        )
    }
    k = min_cell()
    return [
        _table(indicator, by_indicator[indicator.pk], provinces, k, published)
        for indicator in indicators
    ]


def _table(
    indicator: Indicator,
    rows: list[dict[str, Any]],
    provinces: dict[int, Province],
    k: int,
    published: bool,
) -> IndicatorTable:
    columns = [
        (dimension, category, str(label))
        for dimension in indicator.disaggregations
        for category, label in categories(dimension)
    ]
    cells = [(TOTAL, ""), *[(d, c) for d, c, _l in columns]]
    place_ids = sorted({r["province_id"] for r in rows}, key=lambda pk: provinces[pk].code)
    counts: dict[str, defaultdict[CellKey, int]] = {
        name: defaultdict(int)
        for name in ("value", "numerator", "denominator", "reports", "organisations")
    }
    present: set[CellKey] = set()
    for r in rows:
        key = (r["province_id"], r["dimension"], r["category"])
        present.add(key)
        for name in counts:
            if r[name] is not None:
                counts[name][key] += r[name]
                counts[name][(NATIONAL, r["dimension"], r["category"])] += r[name]

    def values_of(name: str) -> dict[CellKey, int | None]:
        data: dict[CellKey, int | None] = {}
        for place in [*place_ids, NATIONAL]:
            for dimension, category in cells:
                key = (place, dimension, category)
                known = key in present or (place == NATIONAL and key in counts[name])
                data[key] = counts[name].get(key) if known else None
        return data

    hidden: set[CellKey] = set()
    if indicator.is_ratio:
        numerators, denominators = values_of("numerator"), values_of("denominator")
        if published:
            hidden_num = _hidden_keys(numerators, place_ids, cells, k)
            hidden_den = _hidden_keys(denominators, place_ids, cells, k)
            hidden = hidden_num | hidden_den
    else:
        values = values_of("value")
        if published:
            hidden = _hidden_keys(values, place_ids, cells, k)

    def make_row(place: Place, label: str, code: str = "") -> Row:
        total_key = (place, TOTAL, "")
        row = Row(
            label=label,
            code=code,
            reports=counts["reports"].get(total_key, 0),
            organisations=counts["organisations"].get(total_key, 0),
        )
        if indicator.is_ratio:
            num, den = numerators.get(total_key), denominators.get(total_key)
            secret = total_key in hidden
            row.numerator = display(num, secret, k, localize=True)
            row.denominator = display(den, secret, k, localize=True)
            row.percent = None if secret else percent(num, den)
            return row
        row.total = display(values.get(total_key), total_key in hidden, k, localize=True)
        row.cells = [
            display(values.get((place, d, c)), (place, d, c) in hidden, k, localize=True)
            for d, c, _l in columns
        ]
        return row

    table_rows = [make_row(pk, provinces[pk].short_name, provinces[pk].code) for pk in place_ids]
    national = make_row(NATIONAL, "")
    if indicator.is_ratio:
        chart: list[tuple[str, float | None]] = [
            (row.label, float(row.percent) if row.percent is not None else None)
            for row in table_rows
        ]
    else:
        # From the counts, not the shown text (grouped digits, "<5"): hidden ones stay gaps.
        chart = [
            (row.label, None if (pk, TOTAL, "") in hidden else values.get((pk, TOTAL, "")))
            for pk, row in zip(place_ids, table_rows, strict=True)
        ]
    return IndicatorTable(indicator, columns, table_rows, national, chart)


def series_over_time(
    *, user: User, filters: SummaryFilters, indicator: Indicator, published: bool
) -> list[tuple[str, float | None]]:
    """(period label, value) per quarter or month for one indicator, summed over the scope."""
    rows = (
        summary_queryset(
            user=user,
            filters=SummaryFilters(
                province=filters.province, indicator=indicator, year=filters.year
            ),
        )
        .filter(dimension=TOTAL)
        .values("period_id")
        .annotate(value=Sum("value"), numerator=Sum("numerator"), denominator=Sum("denominator"))
        .order_by()
    )
    periods = {
        p.pk: p for p in ReportingPeriod.objects.filter(pk__in=[r["period_id"] for r in rows])
    }
    k = min_cell()
    points: list[tuple[str, float | None]] = []
    for row in sorted(
        rows, key=lambda r: (periods[r["period_id"]].start_date, periods[r["period_id"]].kind)
    ):
        value = _published_value(indicator, row, k, published)
        points.append(
            (periods[row["period_id"]].label, float(value) if value is not None else None)
        )
    return points


def _published_value(
    indicator: Indicator, row: dict[str, Any], k: int, published: bool
) -> Decimal | int | None:
    """A summed total (count, or ratio as a percentage), or None where it must stay hidden."""
    if indicator.is_ratio:
        if published and suppress_ratio(row["numerator"], row["denominator"], k):
            return None
        return percent(row["numerator"], row["denominator"])
    value: int | None = row["value"]
    if published and is_small(value, k):
        return None
    return value


@dataclass
class Progress:
    indicator: Indicator
    value: Decimal | int | None  # a count, or a ratio as a percentage
    targets: list[Target]
    percent_of_2030: int | None


def target_progress(*, user: User, filters: SummaryFilters, published: bool) -> list[Progress]:
    """NAP indicators with targets: the value in scope for the selection beside its targets."""
    indicators = (
        Indicator.objects.filter(targets__kind=Target.Kind.TARGET, is_active=True)
        .distinct()
        .prefetch_related("targets")
        .order_by("pillar", "code")
    )
    if filters.pillar:
        indicators = indicators.filter(pillar=filters.pillar)
    if filters.indicator:
        indicators = indicators.filter(pk=filters.indicator.pk)
    sums = {
        row["indicator_id"]: row
        for row in summary_queryset(
            user=user,
            filters=SummaryFilters(
                year=filters.year, quarter=filters.quarter, province=filters.province
            ),
        )
        .filter(dimension=TOTAL, indicator__in=indicators)
        .values("indicator_id")
        .annotate(value=Sum("value"), numerator=Sum("numerator"), denominator=Sum("denominator"))
        .order_by()
    }
    k = min_cell()
    progress = []
    for indicator in indicators:
        row = sums.get(indicator.pk)
        value = _published_value(indicator, row, k, published) if row is not None else None
        targets = [t for t in indicator.targets.all() if t.kind == Target.Kind.TARGET]
        target_2030 = next((t for t in targets if t.year == 2030), None) or (
            targets[-1] if targets else None
        )
        percent = None
        if value is not None and target_2030 is not None and target_2030.value:
            percent = min(100, int(Decimal(value) * 100 / target_2030.value))
        progress.append(Progress(indicator, value, sorted(targets, key=lambda t: t.year), percent))
    return progress
