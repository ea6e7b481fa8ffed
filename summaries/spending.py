"""Spending of approved reports: the working figures, what a release publishes, and the tables
the summaries page and files draw from either.

Working spending is summed in the database on read, one `GROUP BY` over the approved reports of
the window: a report has a few lines, so the query reads a few rows per approved report and its
result has at most provinces x periods x pillars x sources rows. Unlike the indicator summaries,
there are no disaggregation cells to keep, no time rules and nothing to hide, so a stored,
recomputed copy would only add a way to be stale. A release freezes the same rows. The pages
keep the whole country's sum in the cache, under the summaries' version, and read it only while
no approval waits for its recompute (`working_spending_of_all`).

Amounts are not small-count sensitive: nothing is hidden, so any sum of published rows (a
pillar's total, the nation's) is exactly what the release says. The totals below add published
(or, in the working view, approved) amounts; they never decide what to show.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from indicators.models import Donor, Pillar
from portal.models import Province
from reports.models import ActivityReport, FundingSource, Spending, StaleSummary
from reports.periods import period_dates
from summaries import versions
from summaries.cube import window
from summaries.models import Release, ReleaseSpending

NATIONAL_CODE = "VN"  # the place code of national reports' rows in files (as in the figures')


@dataclass(frozen=True)
class SpendingFigure:
    """Spending of one province (None: national reports), period, pillar and source (and
    donor)."""

    province_id: int | None
    period_code: str
    pillar: str
    source: str
    donor_id: int | None
    amount: int
    report_count: int


def working_spending(
    year: int, quarter: int = 4, *, organisation_ids: set[int] | None = None
) -> list[SpendingFigure]:
    """Spending of the approved reports of a year through a quarter, summed in the database;
    only these organisations' reports when `organisation_ids` is given (a subtree's staff)."""
    periods = window(year, quarter)
    codes = {period.pk: period.code for period in periods}
    lines = Spending.objects.filter(
        report__status=ActivityReport.Status.APPROVED, report__period__in=periods
    )
    if organisation_ids is not None:
        lines = lines.filter(report__organisation_id__in=organisation_ids)
    rows = (
        lines.values("report__province_id", "report__period_id", "pillar", "source", "donor_id")
        .annotate(total=Sum("amount"), reports=Count("report", distinct=True))
        .order_by()
    )
    return [
        SpendingFigure(
            province_id=row["report__province_id"],
            period_code=codes[row["report__period_id"]],
            pillar=row["pillar"],
            source=row["source"],
            donor_id=row["donor_id"],
            amount=row["total"],
            report_count=row["reports"],
        )
        for row in rows
    ]


def working_spending_of_all(year: int, quarter: int = 4) -> list[SpendingFigure]:
    """`working_spending` of every organisation, for the pages: from the cache under the
    summaries' version while no approved report of the year waits for its summaries. An
    approval or a reopening marks its cells stale in its own transaction, and the recompute
    that clears the mark changes the version in its own: so a cached sum is only read when
    no approval happened since it was made. While a mark waits, it is summed afresh."""
    if StaleSummary.objects.filter(period__year=year).exists():
        return working_spending(year, quarter)
    return versions.cached(
        "working-spending", (year, quarter), lambda: working_spending(year, quarter), list
    )


def released_spending(release: Release) -> list[SpendingFigure]:
    """The spending a release published."""
    return [
        SpendingFigure(
            province_id=row.province_id,
            period_code=row.period_code,
            pillar=row.pillar,
            source=row.source,
            donor_id=row.donor_id,
            amount=row.amount,
            report_count=row.report_count,
        )
        for row in release.spending_set.all()
    ]


def release_spending_rows(release: Release, figures: Iterable[SpendingFigure]) -> list:
    """The rows that store a release's spending."""
    return [
        ReleaseSpending(
            release=release,
            province_id=figure.province_id,
            period_code=figure.period_code,
            pillar=figure.pillar,
            source=figure.source,
            donor_id=figure.donor_id,
            amount=figure.amount,
            report_count=figure.report_count,
        )
        for figure in figures
    ]


def in_quarter(period_code: str, quarter: int | None) -> bool:
    """Whether a period ('2026-Q2', '2026-05') falls in a quarter (any, when None); a year's
    period ('2026', national annual reports) falls in none."""
    if quarter is None:
        return True
    if len(period_code) == 4:
        return False
    number = period_code[5:]
    if number.startswith("Q"):
        return int(number[1:]) == quarter
    return (int(number) - 1) // 3 + 1 == quarter


def source_columns() -> list[tuple[str, str]]:
    """The columns of the spending tables: each funding source (donors together)."""
    return [(value, str(label)) for value, label in FundingSource.choices]


@dataclass
class SpendingRow:
    label: str
    code: str = ""
    by_source: dict[str, int] = field(default_factory=dict)
    total: int = 0
    amounts: list[int] = field(default_factory=list)  # by column, filled in for the page

    def add(self, source: str, amount: int) -> None:
        self.by_source[source] = self.by_source.get(source, 0) + amount
        self.total += amount

    def cells(self, columns: list[tuple[str, str]]) -> list[int]:
        return [self.by_source.get(source, 0) for source, _label in columns]


@dataclass
class SpendingTables:
    """The summaries page's spending: by pillar and source, by province and source, by donor."""

    columns: list[tuple[str, str]]
    by_pillar: list[SpendingRow]
    by_province: list[SpendingRow]
    by_donor: list[SpendingRow]
    total: SpendingRow
    national: bool

    def __bool__(self) -> bool:
        return bool(self.by_province or self.by_pillar)

    def sections(self) -> list[dict]:
        """The tables as the page draws them: a title, columns, rows, and the total row."""
        return [
            {
                "key": "pillar",
                "title": _("By pillar"),
                "columns": self.columns,
                "rows": self.by_pillar,
                "total": self.total,
            },
            {
                "key": "province",
                "title": _("By province"),
                "columns": self.columns,
                "rows": self.by_province,
                "total": self.total if self.national else None,
            },
            {
                "key": "donor",
                "title": _("By donor"),
                "columns": [],
                "rows": self.by_donor,
                "total": None,
            },
        ]


def spending_tables(
    figures: Iterable[SpendingFigure],
    *,
    provinces: set[int] | None,
    national: bool,
    quarter: int | None = None,
    pillar: str = "",
) -> SpendingTables:
    """Tables of the spending of the provinces shown (None: all), for the year or a quarter and
    optionally one pillar. The pillar and donor tables cover the whole country when `national`,
    otherwise only the provinces shown, like the total row."""
    columns = source_columns()
    pillars: dict[str, SpendingRow] = {}
    places: dict[int, SpendingRow] = {}
    donors: dict[int, SpendingRow] = {}
    total = SpendingRow(label=_("Whole country") if national else _("Provinces shown"))
    shown = [
        figure
        for figure in figures
        if in_quarter(figure.period_code, quarter) and (not pillar or figure.pillar == pillar)
    ]
    names = Province.objects.in_bulk({f.province_id for f in shown if f.province_id is not None})
    donor_names = Donor.objects.in_bulk({f.donor_id for f in shown if f.donor_id is not None})
    for figure in shown:
        # National reports (no province) count in the nation's totals only.
        visible = figure.province_id is not None and (
            provinces is None or figure.province_id in provinces
        )
        if visible and figure.province_id is not None:
            province = names[figure.province_id]
            row = places.setdefault(
                figure.province_id, SpendingRow(label=province.short_name, code=province.code)
            )
            row.add(figure.source, figure.amount)
        if not (visible or national):
            continue
        total.add(figure.source, figure.amount)
        pillars.setdefault(
            figure.pillar, SpendingRow(label=str(Pillar(figure.pillar).label), code=figure.pillar)
        ).add(figure.source, figure.amount)
        if figure.donor_id is not None:
            donor = donor_names[figure.donor_id]
            donors.setdefault(donor.pk, SpendingRow(label=donor.name, code=donor.code)).add(
                figure.source, figure.amount
            )
    for row in [total, *pillars.values(), *places.values()]:
        row.amounts = row.cells(columns)
    order = {value: position for position, value in enumerate(Pillar.values)}
    return SpendingTables(
        columns=columns,
        by_pillar=sorted(pillars.values(), key=lambda row: order[row.code]),
        by_province=sorted(places.values(), key=lambda row: row.code),
        by_donor=sorted(donors.values(), key=lambda row: (-row.total, row.label)),
        total=total,
        national=national,
    )


def file_rows(
    figures: Iterable[SpendingFigure], *, label: str, provinces: set[int] | None
) -> list[list[str | int]]:
    """The spending rows of a summaries file: each line of the release (province, period,
    pillar, source, donor), national reports first (code VN), then provinces in code order,
    periods in date order. A reader limited to some `provinces` gets theirs and the national
    reports' (published for every reader, like the nation's figures)."""
    figures = [
        f
        for f in figures
        if provinces is None or f.province_id is None or f.province_id in provinces
    ]
    names = Province.objects.in_bulk({f.province_id for f in figures if f.province_id})
    donors = Donor.objects.in_bulk({f.donor_id for f in figures if f.donor_id is not None})

    def period_key(code: str) -> tuple[int, datetime.date]:
        if len(code) == 4:  # a year's period: after its quarters and months
            return (1, datetime.date(int(code), 12, 31))
        number = code[5:]
        kind = "quarter" if number.startswith("Q") else "month"
        return (0, period_dates(kind, int(code[:4]), int(number.lstrip("Q")))[0])

    def place(f: SpendingFigure) -> tuple[str, str]:
        if f.province_id is None:
            return NATIONAL_CODE, str(_("National reports"))
        return names[f.province_id].code, names[f.province_id].name

    ordered = sorted(
        figures,
        key=lambda f: (
            "" if f.province_id is None else names[f.province_id].code,
            period_key(f.period_code),
            Pillar.values.index(f.pillar),
            FundingSource.values.index(f.source),
            f.donor_id or 0,
        ),
    )
    return [
        [
            label,
            *place(f),
            f.period_code,
            str(Pillar(f.pillar).label),
            str(FundingSource(f.source).label),
            donors[f.donor_id].name if f.donor_id is not None else "",
            f.amount,
            f.report_count,
        ]
        for f in ordered
    ]


def file_header() -> list[str]:
    return [
        _("Release"),
        _("Province code"),
        _("Province"),
        _("Period"),
        _("Pillar"),
        _("Funding source"),
        _("Donor"),
        _("Amount (đồng)"),
        pgettext("count", "Reports"),
    ]


@dataclass(frozen=True)
class PublishedSpending:
    """The nation's published spending of a year by pillar and source (and donor)."""

    pillar: str
    source: str
    donor: Donor | None
    amount: int


def published_spending(year: int) -> tuple[Release | None, list[PublishedSpending]]:
    """What the newest release of a year published as spending, summed over provinces and
    periods, by pillar, source and donor (pillars in the plan's order, then sources in the
    list's, donors in theirs); (None, []) while nothing of the year is published. For the
    annual NAP report and anything else that must show only published spending."""
    release = Release.objects.filter(year=year).newest()
    if release is None:
        return None, []
    return release, release_spending_totals(release)


def release_spending_totals(release: Release) -> list[PublishedSpending]:
    """What one release published as spending, summed over provinces and periods, by pillar,
    source and donor, in the order `published_spending` gives."""
    rows = (
        ReleaseSpending.objects.filter(release=release)
        .values("pillar", "source", "donor_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    donors = Donor.objects.in_bulk({row["donor_id"] for row in rows if row["donor_id"]})
    totals = [
        PublishedSpending(
            pillar=row["pillar"],
            source=row["source"],
            donor=donors.get(row["donor_id"]) if row["donor_id"] else None,
            amount=row["total"],
        )
        for row in rows
    ]
    totals.sort(
        key=lambda item: (
            Pillar.values.index(item.pillar),
            FundingSource.values.index(item.source),
            (item.donor.position, item.donor.code) if item.donor else (0, ""),
        )
    )
    return totals
