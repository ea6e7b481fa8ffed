"""Summary files (CSV and XLSX): their rows, suppressed, and the download, shared by the pages and
`manage.py export_summaries`."""

import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import IO

from django.utils.translation import gettext_lazy as _

from portal.models import User
from portal.spreadsheets import csv_stream, in_current_language, write_xlsx
from reports.disaggregation import TOTAL, category_label
from reports.models import ReportingPeriod
from summaries.models import ProvincialSummary, SummaryDownload
from summaries.scope import SummaryFilters, periods_for, summary_queryset
from summaries.suppression import display, min_cell, suppress, suppress_ratio

EXPORT_COLUMNS = [
    "indicator_code",
    "indicator",
    "pillar",
    "province_code",
    "province",
    "period",
    "dimension",
    "category",
    "value",
    "numerator",
    "denominator",
    "reports",
    "organisations",
]


def export_rows(
    *, user: User | None, filters: SummaryFilters, period: ReportingPeriod | None = None
) -> Iterator[list[str | int]]:
    """Rows for CSV and XLSX, one per province, period, indicator and cell, suppressed.

    `user=None` is the command line (everything). Rows are produced province-period by
    province-period, so memory stays flat however many rows there are.
    """
    rows = (
        ProvincialSummary.objects.all()
        if user is None
        else summary_queryset(user=user, filters=filters)
    )
    if user is None:
        rows = rows.filter(period__in=periods_for(filters))
        if filters.province:
            rows = rows.filter(province=filters.province)
    if period is not None:
        rows = rows.filter(period=period)
    rows = rows.select_related("indicator", "province", "period").order_by(
        "period__start_date",
        "period__kind",
        "province__code",
        "indicator__code",
        "dimension",
        "category",
    )
    k = min_cell()
    group: list[ProvincialSummary] = []
    for summary in rows.iterator(chunk_size=5000):
        if group and (summary.province_id, summary.period_id, summary.indicator_id) != (
            group[0].province_id,
            group[0].period_id,
            group[0].indicator_id,
        ):
            yield from _export_group(group, k)
            group = []
        group.append(summary)
    if group:
        yield from _export_group(group, k)


def _file_value(value: int | None, hidden: bool, k: int) -> int | str:
    """A number stays a number in the files (XLSX cells add up); a hidden one is its mark."""
    return value if value is not None and not hidden else display(value, hidden, k)


def _export_group(group: list[ProvincialSummary], k: int) -> Iterator[list[str | int]]:
    indicator = group[0].indicator
    by_key = {(s.dimension, s.category): s for s in group}
    if indicator.is_ratio:
        total = by_key.get((TOTAL, ""))
        secret = total is not None and suppress_ratio(total.numerator, total.denominator, k)
    else:
        values = {key: s.value for key, s in by_key.items()}
        dimensions: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
        for dimension, category in by_key:
            if dimension != TOTAL:
                dimensions[dimension].append((dimension, category))
        groups = [
            ((TOTAL, ""), members) for members in dimensions.values() if (TOTAL, "") in by_key
        ]
        hidden = suppress(values, groups, k)
    for key, s in sorted(by_key.items()):
        is_hidden = secret if indicator.is_ratio else key in hidden
        yield [
            indicator.code,
            indicator.name,
            indicator.get_pillar_display(),
            s.province.code,
            s.province.name,
            s.period.code,
            s.dimension,
            category_label(s.dimension, s.category),
            "" if indicator.is_ratio else _file_value(s.value, is_hidden, k),
            _file_value(s.numerator, is_hidden, k) if indicator.is_ratio else "",
            _file_value(s.denominator, is_hidden, k) if indicator.is_ratio else "",
            s.report_count,
            s.organisation_count,
        ]


HEADERS = {
    "indicator_code": _("Indicator code"),
    "indicator": _("Indicator"),
    "pillar": _("Pillar"),
    "province_code": _("Province code"),
    "province": _("Province"),
    "period": _("Period"),
    "dimension": _("Disaggregation"),
    "category": _("Category"),
    "value": _("Value"),
    "numerator": _("Numerator"),
    "denominator": _("Denominator"),
    "reports": _("Reports"),
    "organisations": _("Organisations"),
}


def header() -> list[str]:
    return [str(HEADERS[column]) for column in EXPORT_COLUMNS]


def counted(rows: Iterable[list], log: SummaryDownload | None) -> Iterator[list]:
    """Pass rows through, then record how many there were on the download's log row."""
    count = 0
    for row in rows:
        count += 1
        yield row
    if log is not None:
        log.rows = count
        log.save(update_fields=["rows"])


def csv_chunks(rows: Iterable[list], log: SummaryDownload | None = None) -> Iterator[str]:
    return in_current_language(csv_stream(header(), counted(rows, log)))


def xlsx_file(rows: Iterable[list], log: SummaryDownload | None = None) -> IO[bytes]:
    """A temporary file holding the workbook, rewound; written row by row, never held in memory."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_xlsx(handle, header(), counted(rows, log), sheet_title=str(_("Summaries")))
    handle.seek(0)
    return handle
